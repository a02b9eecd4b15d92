/* fuzz_util.c: the helpers shared by the fuzz targets (fuzz.h). */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

#define FUZZ_MAX_FILES 4

static char fuzz_paths[FUZZ_MAX_FILES][4096];
static char fuzz_suffixes[FUZZ_MAX_FILES][16];
static int fuzz_file_count;

static void fuzz_remove_files(void)
{
    for (int i = 0; i < fuzz_file_count; i++)
        unlink(fuzz_paths[i]);
}

static const char *fuzz_path_for(const char *suffix)
{
    for (int i = 0; i < fuzz_file_count; i++)
        if (strcmp(fuzz_suffixes[i], suffix) == 0)
            return fuzz_paths[i];
    if (fuzz_file_count == FUZZ_MAX_FILES || strlen(suffix) >= sizeof fuzz_suffixes[0]) {
        fprintf(stderr, "fuzz: too many temporary files or suffix too long: %s\n", suffix);
        abort();
    }
    const char *dir = getenv("TMPDIR");
    char *path = fuzz_paths[fuzz_file_count];
    snprintf(path, sizeof fuzz_paths[0], "%s/fawkes-fuzz-XXXXXX%s", dir && *dir ? dir : "/tmp",
             suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0) {
        perror("fuzz: mkstemps");
        abort();
    }
    close(fd);
    snprintf(fuzz_suffixes[fuzz_file_count], sizeof fuzz_suffixes[0], "%s", suffix);
    if (fuzz_file_count++ == 0)
        atexit(fuzz_remove_files);
    return path;
}

const char *fuzz_tmpfile(const char *suffix, const uint8_t *data, size_t size)
{
    const char *path = fuzz_path_for(suffix);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the temporary file");
        abort();
    }
    return path;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}
