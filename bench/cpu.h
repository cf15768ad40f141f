/*
 * cpu.h: the CPU time a server under test has used, for the benchmarks
 * that compare servers by CPU per message.
 *
 * The process's CPU-time clock (clock_getcpuclockid()) counts every
 * thread's time on a CPU, threads that have ended included, to the
 * nanosecond; the kernel's softirq work done in the process's context
 * (the loopback receive path of what it sends) is part of it.  The
 * utime and stime of /proc/PID/stat count the same time in scheduler
 * ticks (4 ms here), whose sampling spread was a few per cent of a
 * five-second round.
 */
#ifndef BENCH_CPU_H
#define BENCH_CPU_H

#include <sys/types.h>
#include <time.h>

/* Seconds of CPU process pid has used, or -1 if it cannot be read. */
static inline double
cpu_of(pid_t pid)
{
	clockid_t	clk;
	struct timespec	ts;

	if (clock_getcpuclockid(pid, &clk) != 0 ||
	    clock_gettime(clk, &ts) != 0)
		return -1;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
