/*
 * xmalloc.h: allocation that cannot silently fail.  Every function here
 * either returns memory or ends the program with a message; call sites
 * carry no NULL checks.  Memory from these is released with free(3).
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
