/* test_isolate_frame.c: the frames between fawkes and an isolated plugin process. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "isolate_frame.h"

typedef struct pipe_pair {
    int read_fd, write_fd;
} pipe_pair;

static pipe_pair open_pipe(void)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    return (pipe_pair){fds[0], fds[1]};
}

static void write_raw(int fd, const void *bytes, size_t len)
{
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
}

/* Frames written are read back in order, with their types and JSON payloads. */
static void test_round_trip(void **state)
{
    (void)state;
    pipe_pair p = open_pipe();
    frame_writer w;
    frame_reader r;
    frame_writer_init(&w, p.write_fd);
    frame_reader_init(&r, p.read_fd);
    json_t *resource = json_pack("{s:s, s:i, s:[s, n, b], s:{}}", "uid", "x:1 \"quoted\" ü", "n",
                                 42, "list", "a", 1, "empty");
    assert_int_equal(frame_put_json(&w, FRAME_RESOURCE, resource), 0);
    assert_int_equal(frame_put_json(&w, FRAME_QUIT, NULL), 0);
    json_t *bare = json_string("bare string");
    assert_int_equal(frame_put_json(&w, FRAME_LOG, bare), 0);
    json_decref(bare);
    assert_int_equal(frame_flush(&w), 0);
    close(p.write_fd);

    int type = 0;
    const char *payload = NULL;
    size_t len = 0;
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), 1);
    assert_int_equal(type, FRAME_RESOURCE);
    json_t *back = frame_json(&r, payload, len);
    assert_true(json_equal(back, resource));
    json_decref(back);
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), 1);
    assert_int_equal(type, FRAME_QUIT);
    assert_int_equal(len, 0);
    assert_null(frame_json(&r, payload, len));
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), 1);
    back = frame_json(&r, payload, len);
    assert_string_equal(json_string_value(back), "bare string");
    json_decref(back);
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), 0); /* clean end */
    json_decref(resource);
    frame_writer_free(&w);
    frame_reader_free(&r);
    close(p.read_fd);
}

/* Many frames, past the writer's buffer and the reader's chunk, arrive whole and in order. */
static void test_many_frames_across_buffers(void **state)
{
    (void)state;
    pipe_pair p = open_pipe();
    frame_writer w;
    frame_reader r;
    frame_writer_init(&w, p.write_fd);
    frame_reader_init(&r, p.read_fd);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) { /* the writer, so the pipe never fills with nobody reading */
        close(p.read_fd);
        for (int i = 0; i < 20000; i++) {
            json_t *v = json_pack("{s:i, s:s}", "i", i, "pad", "0123456789abcdef0123456789");
            if (frame_put_json(&w, FRAME_FINDING, v) != 0)
                _exit(1);
            json_decref(v);
        }
        _exit(frame_flush(&w) == 0 ? 0 : 1);
    }
    close(p.write_fd);
    int type;
    const char *payload;
    size_t len;
    for (int i = 0; i < 20000; i++) {
        assert_int_equal(frame_next(&r, 5000, &type, &payload, &len), 1);
        json_t *v = frame_json(&r, payload, len);
        assert_int_equal(json_integer_value(json_object_get(v, "i")), i);
        json_decref(v);
    }
    assert_int_equal(frame_next(&r, 5000, &type, &payload, &len), 0);
    frame_writer_free(&w);
    frame_reader_free(&r);
    close(p.read_fd);
}

/* A frame bigger than the room the writer makes first is encoded whole all the same. */
static void test_large_frame(void **state)
{
    (void)state;
    pipe_pair p = open_pipe();
    frame_writer w;
    frame_reader r;
    frame_writer_init(&w, p.write_fd);
    frame_reader_init(&r, p.read_fd);
    static char text[300000];
    memset(text, 'x', sizeof text - 1);
    json_t *big = json_pack("{s:s, s:i}", "text", text, "after", 7);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(p.read_fd);
        _exit(frame_put_json(&w, FRAME_RESOURCE, big) == 0 && frame_flush(&w) == 0 ? 0 : 1);
    }
    close(p.write_fd);
    int type;
    const char *payload;
    size_t len;
    assert_int_equal(frame_next(&r, 5000, &type, &payload, &len), 1);
    json_t *back = frame_json(&r, payload, len);
    assert_true(json_equal(back, big));
    json_decref(back);
    json_decref(big);
    frame_writer_free(&w);
    frame_reader_free(&r);
    close(p.read_fd);
}

/* A stream cut inside a frame, or a length past the maximum, is an error, not a frame. */
static void test_truncated_and_oversized(void **state)
{
    (void)state;
    int type;
    const char *payload;
    size_t len;
    pipe_pair p = open_pipe();
    frame_reader r;
    frame_reader_init(&r, p.read_fd);
    const char cut[] = {10, 0, 0, 0, 'R', '{', '"', 'a'}; /* says 10 bytes, has 3 */
    write_raw(p.write_fd, cut, sizeof cut);
    close(p.write_fd);
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), -1);
    frame_reader_free(&r);
    close(p.read_fd);

    p = open_pipe();
    frame_reader_init(&r, p.read_fd);
    const char huge[] = {(char)0xff, (char)0xff, (char)0xff, (char)0x7f, 'R'};
    write_raw(p.write_fd, huge, sizeof huge);
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), -1);
    frame_reader_free(&r);
    close(p.read_fd);
    close(p.write_fd);
}

/* No whole frame within the wait: -2, and the frame is read once the rest arrives. */
static void test_wait_then_rest(void **state)
{
    (void)state;
    int type;
    const char *payload;
    size_t len;
    pipe_pair p = open_pipe();
    frame_reader r;
    frame_reader_init(&r, p.read_fd);
    assert_int_equal(frame_next(&r, 20, &type, &payload, &len), -2);
    const char head[] = {2, 0, 0, 0, 'D', '{'};
    write_raw(p.write_fd, head, sizeof head);
    assert_int_equal(frame_next(&r, 20, &type, &payload, &len), -2);
    write_raw(p.write_fd, "}", 1);
    assert_int_equal(frame_next(&r, 1000, &type, &payload, &len), 1);
    assert_int_equal(type, FRAME_DONE);
    json_t *v = frame_json(&r, payload, len);
    assert_true(json_is_object(v));
    json_decref(v);
    /* a payload that is not JSON is refused by frame_json */
    assert_null(frame_json(&r, "{nope", 5));
    frame_reader_free(&r);
    close(p.read_fd);
    close(p.write_fd);
}

/* A writer whose reader is gone fails, and keeps failing at once. */
static void test_reader_gone(void **state)
{
    (void)state;
    pipe_pair p = open_pipe();
    frame_writer w;
    frame_writer_init(&w, p.write_fd);
    close(p.read_fd);
    signal(SIGPIPE, SIG_IGN);
    json_t *v = json_pack("{s:s}", "a", "b");
    assert_int_equal(frame_put_json(&w, FRAME_LOG, v), 0); /* queued */
    assert_int_equal(frame_flush(&w), -1);
    assert_int_equal(frame_put_json(&w, FRAME_LOG, v), -1);
    json_decref(v);
    frame_writer_free(&w);
    close(p.write_fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_many_frames_across_buffers),
        cmocka_unit_test(test_large_frame),    cmocka_unit_test(test_truncated_and_oversized),
        cmocka_unit_test(test_wait_then_rest), cmocka_unit_test(test_reader_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
