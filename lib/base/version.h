/* version.h: the suite's version, shown by every program's --version. */
#ifndef VERSION_H
#define VERSION_H

#define SUITE_NAME	"udp-suite"
#define SUITE_VERSION	"0.1.0"

#endif
