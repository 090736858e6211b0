/* tests/unit/test_exec.c: the exec runner's parsing and checks
 * (runners/exec_proto.c, exec_manifest.c, exec_work.c): every protocol
 * line a peer may write, accepted or refused with the reason; manifests
 * and --exec command lists; the spin chain composed by squaring; "NAME:
 * VARIANT" runner names through config_resolve.  The peers themselves run
 * in tests/e2e/t_peers.sh. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/config.h"
#include "runners/exec.h"

static int parse(const char *text, struct peer_line *l, char *err)
{
    return exec_parse_line(text, strlen(text), l, err, 200);
}

START_TEST(task_lines)
{
    struct peer_line l;
    char err[200];
    ck_assert_int_eq(parse("{\"type\":\"task\",\"rep\":0,\"id\":3,\"worker\":1,"
                           "\"start\":1.5,\"end\":1.75,\"status\":0,"
                           "\"error\":null,\"bytes\":8,\"value\":\"33494802\","
                           "\"digest\":\"729e6d35d7910ec4\",\"extra\":[1]}",
                           &l, err), 0);
    ck_assert_int_eq(l.type, PL_TASK);
    ck_assert_uint_eq(l.task.id, 3);
    ck_assert_int_eq(l.task.worker, 1);
    ck_assert(l.task.has_value && l.task.value == 33494802);
    ck_assert(l.task.has_digest && l.task.digest == 0x729e6d35d7910ec4ull);
    exec_line_free(&l);
    /* 64-bit values beyond a double's precision, as strings. */
    ck_assert_int_eq(parse("{\"type\":\"task\",\"rep\":0,\"id\":0,\"worker\":0,"
                           "\"start\":0,\"end\":0,\"status\":0,\"error\":null,"
                           "\"bytes\":8,\"value\":\"18446744073709551615\","
                           "\"iters\":5}", &l, err), 0);
    ck_assert(l.task.uvalue == UINT64_MAX && l.task.iters == 5);
    exec_line_free(&l);
    /* A failed task keeps its message. */
    ck_assert_int_eq(parse("{\"type\":\"task\",\"rep\":0,\"id\":0,\"worker\":0,"
                           "\"start\":0,\"end\":0,\"status\":404,\"error\":"
                           "\"HTTP 404\",\"bytes\":0}", &l, err), 0);
    ck_assert_str_eq(l.task.error, "HTTP 404");
    exec_line_free(&l);
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"this is {not JSON", "not JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"type\":\"hello\"}", "not a protocol line (type 'hello')"},
        {"{\"rep\":0}", "not a protocol line (type missing)"},
        {"{\"type\":\"task\",\"rep\":0,\"worker\":0,\"start\":0,\"end\":0,"
         "\"status\":0,\"error\":null,\"bytes\":8}", "field 'id'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1.5,\"worker\":0,\"start\":0,"
         "\"end\":0,\"status\":0,\"error\":null,\"bytes\":8}", "field 'id'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1,\"worker\":true,\"start\":0,"
         "\"end\":0,\"status\":0,\"error\":null,\"bytes\":8}", "field 'worker'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1,\"worker\":0,\"start\":0,"
         "\"end\":0,\"status\":0,\"bytes\":8}", "field 'error'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1,\"worker\":0,\"start\":0,"
         "\"end\":0,\"status\":0,\"error\":null,\"bytes\":8,\"value\":12}",
         "field 'value'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1,\"worker\":0,\"start\":0,"
         "\"end\":0,\"status\":0,\"error\":null,\"bytes\":8,\"value\":\"1x\"}",
         "field 'value'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1,\"worker\":0,\"start\":0,"
         "\"end\":0,\"status\":0,\"error\":null,\"bytes\":8,\"digest\":"
         "\"729E6D35D7910EC4\"}", "field 'digest'"},
        {"{\"type\":\"task\",\"rep\":0,\"id\":1,\"worker\":0,\"start\":2,"
         "\"end\":1,\"status\":0,\"error\":null,\"bytes\":8}",
         "ends before it starts"},
        {"{\"type\":\"end\",\"rep\":0,\"start\":0,\"end\":1}", "field 'tasks'"},
        {"{\"type\":\"done\"}", "field 'stop_s'"},
        {"{\"type\":\"error\"}", "field 'message'"},
        {"{\"type\":\"ready\",\"protocol\":\"parbench.peer/1\",\"pid\":1,"
         "\"clock\":\"monotonic\",\"workers\":{},\"peer\":{}}",
         "field 'workers'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        ck_assert_msg(parse(bad[i].line, &l, err) == -EPROTO, "accepted %s",
                      bad[i].line);
        ck_assert_msg(strstr(err, bad[i].why), "'%s' for %s", err,
                      bad[i].line);
    }
}
END_TEST

START_TEST(ready_lines)
{
    struct peer_line l;
    struct peer_ready r;
    char err[200];
    const char *ok = "{\"type\":\"ready\",\"protocol\":\"parbench.peer/1\","
                     "\"pid\":42,\"clock\":\"monotonic\",\"t\":12.5,"
                     "\"workers\":[{\"worker\":0,\"pid\":43},{\"worker\":1}],"
                     "\"peer\":{\"label\":\"python3.11 x\"},"
                     "\"params\":{\"spin_iters\":1000}}";
    ck_assert_int_eq(parse(ok, &l, err), 0);
    ck_assert_int_eq(exec_ready_take(&l, 2, &r, err, sizeof err), 0);
    ck_assert_str_eq(r.label, "python3.11 x");
    ck_assert_int_eq(r.wpid[0], 43);
    ck_assert_int_eq(r.wpid[1], 0);
    ck_assert(r.clock == CLOCK_MONO && r.t == 12.5 && r.spin_iters == 1000);
    exec_ready_free(&r);
    exec_line_free(&l);
    /* Two workers listed, three asked for. */
    ck_assert_int_eq(parse(ok, &l, err), 0);
    ck_assert_int_eq(exec_ready_take(&l, 3, &r, err, sizeof err), -EPROTO);
    ck_assert(strstr(err, "lists 2 workers, 3 were asked for"));
    exec_ready_free(&r);
    exec_line_free(&l);
    /* Monotonic without t; an unknown clock; another protocol. */
    ck_assert_int_eq(parse("{\"type\":\"ready\",\"protocol\":\"parbench.peer/1"
                           "\",\"pid\":1,\"clock\":\"monotonic\",\"workers\":"
                           "[{\"worker\":0}],\"peer\":{}}", &l, err), 0);
    ck_assert_int_eq(exec_ready_take(&l, 1, &r, err, sizeof err), -EPROTO);
    exec_ready_free(&r);
    exec_line_free(&l);
    ck_assert_int_eq(parse("{\"type\":\"ready\",\"protocol\":\"parbench.peer/1"
                           "\",\"pid\":1,\"clock\":\"tai\",\"workers\":"
                           "[{\"worker\":0}],\"peer\":{}}", &l, err), 0);
    ck_assert_int_eq(exec_ready_take(&l, 1, &r, err, sizeof err), -EPROTO);
    ck_assert(strstr(err, "unknown clock 'tai'"));
    exec_ready_free(&r);
    exec_line_free(&l);
    ck_assert_int_eq(parse("{\"type\":\"ready\",\"protocol\":\"parbench.peer/2"
                           "\",\"pid\":1,\"clock\":\"relative\",\"workers\":"
                           "[{\"worker\":0}],\"peer\":{}}", &l, err), 0);
    ck_assert_int_eq(exec_ready_take(&l, 1, &r, err, sizeof err), -EPROTO);
    exec_ready_free(&r);
    exec_line_free(&l);
}
END_TEST

START_TEST(manifests)
{
    struct peer_manifest m;
    char err[300];
    const char *good =
        "# a comment\n\n{\"name\": \"p\", \"help\": \"h\", \"language\": "
        "\"python\", \"command\": [\"/usr/bin/python3\", \"p.py\"], "
        "\"version\": [\"/usr/bin/python3\", \"p.py\", \"--version\"], "
        "\"workloads\": [\"prime\", \"spin\"], \"transfers\": [\"copy\"], "
        "\"default_transfer\": \"copy\", \"persistent\": true}\n";
    ck_assert_int_eq(exec_manifest_parse(good, "/x/peers/p.peer", &m, err,
                                         sizeof err), 0);
    ck_assert_str_eq(m.dir, "/x/peers");
    ck_assert_str_eq(m.command[1], "p.py");
    ck_assert_ptr_null(m.command[2]);
    ck_assert(exec_manifest_runs(&m, "prime") && exec_manifest_runs(&m, "spin"));
    ck_assert(!exec_manifest_runs(&m, "image") && !exec_manifest_runs(&m, "pri"));
    ck_assert_int_eq(m.default_transfer, TRANSFER_COPY);
    exec_manifest_free(&m);
    static const char *const bad[] = {
        "{\"name\": \"p\"}",
        "{} {}",
        "{\"name\":\"p\",\"help\":\"h\",\"language\":\"sh\",\"command\":[],"
        "\"version\":[\"v\"],\"workloads\":[],\"transfers\":[\"copy\"],"
        "\"default_transfer\":\"copy\"}",
        "{\"name\":\"p\",\"help\":\"h\",\"language\":\"sh\",\"command\":[\"c\"],"
        "\"version\":[\"v\"],\"workloads\":[],\"transfers\":[\"copy\"],"
        "\"default_transfer\":\"shared\"}",
        "{\"name\":\"p\",\"help\":\"h\",\"language\":\"sh\",\"command\":[\"c\"],"
        "\"version\":[\"v\"],\"workloads\":[],\"transfers\":[\"local\"],"
        "\"default_transfer\":\"copy\"}",
        "{\"name\":\"p\"}\n{\"name\":\"q\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(exec_manifest_parse(bad[i], "b.peer", &m, err,
                                          sizeof err) == -EINVAL,
                      "accepted %s", bad[i]);
    /* --exec's command list. */
    char *argv[EXEC_ARGV_MAX + 1];
    ck_assert_int_eq(exec_argv_parse("[\"/bin/sh\", \"a b\", \"\"]", argv,
                                     EXEC_ARGV_MAX, err, sizeof err), 0);
    ck_assert_str_eq(argv[1], "a b");
    ck_assert_str_eq(argv[2], "");
    ck_assert_ptr_null(argv[3]);
    exec_argv_free(argv);
    ck_assert_int_ne(exec_argv_parse("[]", argv, EXEC_ARGV_MAX, err,
                                     sizeof err), 0);
    ck_assert_int_ne(exec_argv_parse("[\"\"]", argv, EXEC_ARGV_MAX, err,
                                     sizeof err), 0);
    ck_assert_int_ne(exec_argv_parse("\"/bin/sh\"", argv, EXEC_ARGV_MAX,
                                     err, sizeof err), 0);
    ck_assert_int_ne(exec_argv_parse("[\"a\", 1]", argv, EXEC_ARGV_MAX, err,
                                     sizeof err), 0);
}
END_TEST

START_TEST(spin_chain)
{
    /* Composing the step by squaring equals running it. */
    for (uint64_t n = 0; n < 300; n += 37) {
        uint64_t x = 0x0123456789abcdefull;
        for (uint64_t k = 0; k < n; k++)
            x = x * 6364136223846793005ull + 1442695040888963407ull;
        ck_assert(exec_spin_expected(0x0123456789abcdefull, n) == x);
    }
}
END_TEST

START_TEST(variants)
{
    struct run_config c;
    struct run_plan p;
    char err[600];
    setenv("PARBENCH_PEERS", "peers", 1); /* make unit runs from the root */
    config_defaults(&c);
    ck_assert_int_eq(config_set(&c, "workload", "prime", err, sizeof err), 0);
    ck_assert_int_eq(config_set(&c, "runner", "exec:sh-peer", err,
                                sizeof err), 0);
    ck_assert_msg(config_resolve(&c, &p, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(p.runner->name, "exec");
    ck_assert_str_eq(p.runner_name, "exec:sh-peer");
    ck_assert_int_eq(p.ro.transfer, TRANSFER_COPY); /* the manifest's */
    /* A workload the peer does not run; a peer that is not there; a
     * runner without variants; exec with no peer at all. */
    ck_assert_int_eq(config_set(&c, "workload", "image", err, sizeof err), 0);
    ck_assert_int_ne(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "does not run the image workload"), "%s", err);
    ck_assert_int_eq(config_set(&c, "workload", "prime", err, sizeof err), 0);
    ck_assert_int_eq(config_set(&c, "runner", "exec:no-such-peer", err,
                                sizeof err), 0);
    ck_assert_int_ne(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "no peer 'no-such-peer'"), "%s", err);
    ck_assert_int_eq(config_set(&c, "runner", "exec:../x", err,
                                sizeof err), 0);
    ck_assert_int_ne(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_int_eq(config_set(&c, "runner", "fork:x", err, sizeof err), 0);
    ck_assert_int_ne(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "has no variants"), "%s", err);
    ck_assert_int_eq(config_set(&c, "runner", "exec", err, sizeof err), 0);
    ck_assert_int_ne(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "needs a peer"), "%s", err);
    /* --exec: every argument after it, as a JSON array. */
    config_defaults(&c);
    char *args[] = {"--workload", "prime", "--runner", "exec", "--exec",
                    "/bin/bash", "x.sh", "--workers", "2"};
    ck_assert_msg(config_parse_args(&c, 9, args, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_msg(config_resolve(&c, &p, err, sizeof err) == 0, "%s", err);
    const struct exec_params *ep = p.ro.params;
    ck_assert_str_eq(ep->exec, "[\"/bin/bash\",\"x.sh\",\"--workers\",\"2\"]");
    ck_assert_int_ne(p.ro.workers, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("protocol");
    tcase_add_test(tc, task_lines);
    tcase_add_test(tc, ready_lines);
    tcase_add_test(tc, manifests);
    tcase_add_test(tc, spin_chain);
    tcase_add_test(tc, variants);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
