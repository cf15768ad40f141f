/* token.c: chatc's device tokens on disk (see chatc.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "chatc.h"

#define TOKEN_FILE	"udp-suite/chatc-tokens"

/* The token file's path (and, with dir set, its folder); -1 if no home. */
static int
token_path(char *buf, size_t len, int dir)
{
	const char	*x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	int		 n;

	if (x != NULL && x[0] == '/')
		n = snprintf(buf, len, "%s/%s", x, dir ? "udp-suite" :
		    TOKEN_FILE);
	else if (h != NULL && h[0] == '/')
		n = snprintf(buf, len, "%s/.config/%s", h, dir ? "udp-suite" :
		    TOKEN_FILE);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Rewrite the file without key at server, adding line if not NULL. */
static int
token_rewrite(const char *server, const char *key, const char *line)
{
	char	 path[1024], tmp[1100], dir[1024], buf[1024], pfx[1024];
	FILE	*in, *out;
	int	 fd, rfd;

	if (token_path(path, sizeof path, 0) == -1 ||
	    token_path(dir, sizeof dir, 1) == -1)
		return -1;
	/* ~/.config may not exist yet. */
	if (strrchr(dir, '/') != NULL) {
		*strrchr(dir, '/') = '\0';
		mkdir(dir, 0700);
		token_path(dir, sizeof dir, 1);
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	/* A fresh name, created here (O_EXCL, mode 0600), never through a
	 * link someone else left in the folder. */
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	if ((out = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	snprintf(pfx, sizeof pfx, "%s\t%s\t", server, key);
	if ((rfd = open(path, O_RDONLY | O_NOFOLLOW)) != -1) {
		if ((in = fdopen(rfd, "r")) == NULL) {
			close(rfd);
			fclose(out);
			unlink(tmp);
			return -1;
		}
		while (fgets(buf, sizeof buf, in) != NULL)
			if (strncmp(buf, pfx, strlen(pfx)) != 0)
				fputs(buf, out);
		fclose(in);
	} else if (errno != ENOENT) {
		fclose(out);
		unlink(tmp);
		return -1;
	}
	if (line != NULL)
		fputs(line, out);
	sodium_memzero(buf, sizeof buf);
	if (fflush(out) != 0 || fsync(fileno(out)) == -1) {
		fclose(out);
		unlink(tmp);
		return -1;
	}
	fclose(out);
	return rename(tmp, path);
}

int
token_load(const char *server, const char *key, uint8_t token[CP_TOKEN_LEN])
{
	char		 path[1024], buf[1024], pfx[1024];
	struct stat	 sb;
	FILE		*f;
	size_t		 n, bin = 0;
	int		 found = 0;

	if (token_path(path, sizeof path, 0) == -1 ||
	    (f = fopen(path, "r")) == NULL)
		return 0;
	if (fstat(fileno(f), &sb) == -1 || (sb.st_mode & 077) != 0) {
		fprintf(stderr, "chatc: %s: readable by others; ignoring it\n",
		    path);
		fclose(f);
		return 0;
	}
	snprintf(pfx, sizeof pfx, "%s\t%s\t", server, key);
	n = strlen(pfx);
	while (!found && fgets(buf, sizeof buf, f) != NULL) {
		if (strncmp(buf, pfx, n) != 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (sodium_hex2bin(token, CP_TOKEN_LEN, buf + n,
		    strlen(buf + n), NULL, &bin, NULL) == 0 &&
		    bin == CP_TOKEN_LEN)
			found = 1;
	}
	sodium_memzero(buf, sizeof buf);
	fclose(f);
	return found;
}

int
token_save(const char *server, const char *key,
    const uint8_t token[CP_TOKEN_LEN])
{
	char	line[1024], hex[CP_TOKEN_LEN * 2 + 1];
	int	rc;

	sodium_bin2hex(hex, sizeof hex, token, CP_TOKEN_LEN);
	snprintf(line, sizeof line, "%s\t%s\t%s\n", server, key, hex);
	rc = token_rewrite(server, key, line);
	sodium_memzero(line, sizeof line);
	sodium_memzero(hex, sizeof hex);
	if (rc == -1)
		fprintf(stderr, "chatc: cannot save the device token: %s\n",
		    strerror(errno));
	return rc;
}

void
token_forget(const char *server, const char *key)
{
	token_rewrite(server, key, NULL);
}
