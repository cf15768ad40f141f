/* sesskey.c: the server's key pair on disk and the client's key pins. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/log.h"
#include "sess/sesskey.h"
#include "base/xmalloc.h"

#define B64LEN	44	/* 32 bytes, original alphabet, unpadded, NUL */

/* Read exactly len bytes; 0 or -1. */
static int
sesskey_readall(int fd, uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = read(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write exactly len bytes; 0 or -1. */
static int
sesskey_writeall(int fd, const void *vbuf, size_t len)
{
	const uint8_t	*buf = vbuf;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Create a new key pair file atomically (temporary file, then rename). */
static int
sesskey_create(const char *path, uint8_t pk[SP_PK_LEN],
    uint8_t sk[SP_KEY_LEN], char *err, size_t errlen)
{
	uint8_t	 buf[SP_KEY_LEN + SP_PK_LEN];
	char	*tmp;
	int	 fd;

	crypto_kx_keypair(pk, sk);
	memcpy(buf, sk, SP_KEY_LEN);
	memcpy(buf + SP_KEY_LEN, pk, SP_PK_LEN);
	xasprintf(&tmp, "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || fchmod(fd, 0600) == -1 ||
	    sesskey_writeall(fd, buf, sizeof buf) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		sodium_memzero(buf, sizeof buf);
		return -1;
	}
	close(fd);
	sodium_memzero(buf, sizeof buf);
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	log_info("created session key %s", path);
	return 0;
}

/* Load dir/session.key, creating it on first use. */
int
sesskey_load(const char *dir, uint8_t pk[SP_PK_LEN], uint8_t sk[SP_KEY_LEN],
    char *err, size_t errlen)
{
	uint8_t		 buf[SP_KEY_LEN + SP_PK_LEN], chk[SP_PK_LEN];
	struct stat	 st;
	char		*path;
	int		 fd, rv = -1;

	if (sodium_init() == -1) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	xasprintf(&path, "%s/%s", dir, SESSKEY_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			rv = sesskey_create(path, pk, sk, err, errlen);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return rv;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: must be a file of mode 0600", path);
	} else if (st.st_size != (off_t)sizeof buf ||
	    sesskey_readall(fd, buf, sizeof buf) == -1) {
		snprintf(err, errlen, "%s: not a %zu-byte key file", path,
		    sizeof buf);
	} else if (crypto_scalarmult_base(chk, buf) != 0 ||
	    sodium_memcmp(chk, buf + SP_KEY_LEN, SP_PK_LEN) != 0) {
		snprintf(err, errlen, "%s: public key does not match", path);
	} else {
		memcpy(sk, buf, SP_KEY_LEN);
		memcpy(pk, buf + SP_KEY_LEN, SP_PK_LEN);
		rv = 0;
	}
	sodium_memzero(buf, sizeof buf);
	close(fd);
	free(path);
	return rv;
}

/* The default pin file path. */
int
sesskey_pinfile(char *buf, size_t len)
{
	const char	*x, *home;
	int		 n;

	if ((x = getenv("XDG_CONFIG_HOME")) != NULL && *x == '/')
		n = snprintf(buf, len, "%s/%s", x, SESSKEY_PINS);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		n = snprintf(buf, len, "%s/.config/%s", home, SESSKEY_PINS);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A key's fingerprint. */
void
sesskey_fingerprint(const uint8_t pk[SP_PK_LEN], char buf[SESSKEY_FPRLEN])
{
	uint8_t	h[32];

	crypto_generichash(h, sizeof h, pk, SP_PK_LEN, NULL, 0);
	memcpy(buf, "b2:", 3);
	sodium_bin2base64(buf + 3, SESSKEY_FPRLEN - 3, h, sizeof h,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

/* The pinned key of name: 1 found, 0 none, -1 unreadable file. */
int
sesskey_pin_lookup(const char *pinfile, const char *name,
    uint8_t pk[SP_PK_LEN])
{
	char	 path[PATH_MAX], *line = NULL, *sp;
	size_t	 cap = 0, klen;
	ssize_t	 n;
	FILE	*f;
	int	 rv = 0;

	if (pinfile == NULL) {
		if (sesskey_pinfile(path, sizeof path) == -1)
			return -1;
		pinfile = path;
	}
	if ((f = fopen(pinfile, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((n = getline(&line, &cap, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#' || (sp = strrchr(line, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		if (strcmp(line, name) != 0)
			continue;
		if (sodium_base642bin(pk, SP_PK_LEN, sp, strlen(sp), NULL,
		    &klen, NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
		    == 0 && klen == SP_PK_LEN) {
			rv = 1;
			break;
		}
		log_warnx("%s: bad key for %s ignored", pinfile, name);
	}
	free(line);
	fclose(f);
	return rv;
}

/* Make the directories above path (mode 0700). */
static void
sesskey_mkdirs(const char *path)
{
	char	*p, *s;

	s = xstrdup(path);
	for (p = s + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(s, 0700) == -1 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(s);
}

/* Append a pin for name. */
static int
sesskey_pin_add(const char *pinfile, const char *name,
    const uint8_t pk[SP_PK_LEN], char *err, size_t errlen)
{
	char	 b64[B64LEN], *line;
	int	 fd, len, rv = 0;

	if (strchr(name, '\n') != NULL || strchr(name, ' ') != NULL ||
	    *name == '\0') {
		snprintf(err, errlen, "cannot pin a key for \"%s\"", name);
		return -1;
	}
	sesskey_mkdirs(pinfile);
	sodium_bin2base64(b64, sizeof b64, pk, SP_PK_LEN,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	fd = open(pinfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", pinfile, strerror(errno));
		return -1;
	}
	len = xasprintf(&line, "%s %s\n", name, b64);
	if (sesskey_writeall(fd, line, (size_t)len) == -1) {
		snprintf(err, errlen, "%s: %s", pinfile, strerror(errno));
		rv = -1;
	}
	free(line);
	close(fd);
	return rv;
}

/* Check pk against the pin of name, pinning it if name is new. */
int
sesskey_pin_check(const char *pinfile, const char *name,
    const uint8_t pk[SP_PK_LEN], char *err, size_t errlen)
{
	uint8_t	 old[SP_PK_LEN];
	char	 path[PATH_MAX], fold[SESSKEY_FPRLEN], fnew[SESSKEY_FPRLEN];
	int	 r;

	if (pinfile == NULL) {
		if (sesskey_pinfile(path, sizeof path) == -1) {
			snprintf(err, errlen, "no XDG_CONFIG_HOME or HOME "
			    "for the known servers file");
			return -1;
		}
		pinfile = path;
	}
	r = sesskey_pin_lookup(pinfile, name, old);
	if (r == -1) {
		snprintf(err, errlen, "%s: %s", pinfile, strerror(errno));
		return -1;
	}
	if (r == 0) {
		if (sesskey_pin_add(pinfile, name, pk, err, errlen) == -1)
			return -1;
		sesskey_fingerprint(pk, fnew);
		log_info("pinned key %s for server %s in %s", fnew, name,
		    pinfile);
		return 0;
	}
	if (sodium_memcmp(old, pk, SP_PK_LEN) == 0)
		return 0;
	sesskey_fingerprint(old, fold);
	sesskey_fingerprint(pk, fnew);
	snprintf(err, errlen, "SERVER KEY CHANGED for %s: pinned %s, offered "
	    "%s; refusing (if the change is expected, remove the line for %s "
	    "from %s)", name, fold, fnew, name, pinfile);
	return -1;
}
