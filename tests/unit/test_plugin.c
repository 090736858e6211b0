/* tests/unit/test_plugin.c: the options workloads and runners declare
 * (bench/engine/plugin.c over kernels/list.h and runners/list.h): every
 * declaration is usable -- reachable by its name, its default parses, its
 * field inside the plug-in's struct -- and values set in any order, from
 * any buffer, reach the plug-in chosen later or are refused as before. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/config.h"
#include "bench/engine/plugin.h"

static size_t field_size(enum opt_type t)
{
    switch (t) {
    case OT_STR:
    case OT_ARGV:
        return sizeof(const char *);
    case OT_UINT:
    case OT_SIZE:
    case OT_INT:
        return 8;
    case OT_DURATION:
    case OT_NUMBER:
        return sizeof(double);
    case OT_FLAG:
    case OT_CHOICE:
        return sizeof(int);
    }
    return 0;
}

static void check_rows(const char *who, const struct opt *t, size_t n)
{
    size_t nc;
    const struct opt *common = config_options(&nc);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(!opt_find(common, nc, t[i].name),
                      "%s: --%s is a common option: it could never be set",
                      who, t[i].name);
        ck_assert_msg(opt_find(t, n, t[i].name) == &t[i],
                      "%s: --%s declared twice", who, t[i].name);
        ck_assert_msg(t[i].off + field_size(t[i].type) <= PB_PARAMS_MAX,
                      "%s: --%s lies outside PB_PARAMS_MAX", who, t[i].name);
        ck_assert_msg(t[i].type != OT_CHOICE || strchr(t[i].meta, '|'),
                      "%s: --%s: a choice needs its values in meta", who,
                      t[i].name);
    }
    /* Every default parses with the row's own parser. */
    struct plug_values none = {0};
    _Alignas(max_align_t) unsigned char base[PB_PARAMS_MAX];
    char err[200] = "";
    ck_assert_msg(plug_apply(t, n, base, &none, err, sizeof err) == 0,
                  "%s: a default does not parse: %s", who, err);
}

START_TEST(declarations)
{
    for (size_t i = 0; wl_table[i]; i++)
        check_rows(wl_table[i]->name, wl_table[i]->opts, wl_table[i]->nopts);
    for (size_t i = 0; runner_table[i]; i++)
        check_rows(runner_table[i]->name, runner_table[i]->opts,
                   runner_table[i]->nopts);
}
END_TEST

/* The wire form of a workload option of a resolved plan. */
static const char *value_of(const struct run_plan *p, const char *name,
                            char *buf, size_t n)
{
    const struct opt *o = opt_find(p->w.ops->opts, p->w.ops->nopts, name);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(opt_wire_format(o, p->w.params, buf, n), 0);
    return buf;
}

START_TEST(any_order_any_buffer)
{
    struct run_config c;
    struct run_plan p;
    char err[256], v[64], tmp[16];
    config_defaults(&c);
    /* Given before the workload, from a buffer reused right after. */
    strcpy(tmp, "5000");
    ck_assert_int_eq(config_set(&c, "limit", tmp, err, sizeof err), 0);
    strcpy(tmp, "9");
    ck_assert_int_eq(config_set(&c, "size", "30KB", err, sizeof err), 0);
    ck_assert_int_eq(config_set(&c, "workload", "prime", err, sizeof err), 0);
    ck_assert_int_eq(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_str_eq(value_of(&p, "limit", v, sizeof v), "5000");
    /* The last value given wins; image gets its own, prime's is left. */
    ck_assert_int_eq(config_set(&c, "size", "60KB", err, sizeof err), 0);
    ck_assert_int_eq(config_set(&c, "workload", "image", err, sizeof err), 0);
    ck_assert_int_eq(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_str_eq(value_of(&p, "size", v, sizeof v), "60000");
    ck_assert_str_eq(value_of(&p, "complexity", v, sizeof v), "1");
}
END_TEST

START_TEST(refusals)
{
    struct run_config c;
    struct run_plan p;
    char err[256];
    config_defaults(&c);
    /* At set time, by the declaring row. */
    ck_assert_int_ne(config_set(&c, "limit", "1", err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--limit"));
    ck_assert_int_ne(config_set(&c, "blur", "gaussian", err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "separable|direct"));
    ck_assert_int_ne(config_set(&c, "frob", "3", err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "unknown option '--frob'"));
    /* Internal rows are not options of the command line. */
    ck_assert_int_ne(config_set(&c, "base-url", "http://x", err, sizeof err),
                     0);
    /* A runner's option with another runner: refused, naming it. */
    ck_assert_int_eq(config_set(&c, "hosts", "a:1", err, sizeof err), 0);
    ck_assert_int_eq(config_set(&c, "runner", "fork", err, sizeof err), 0);
    ck_assert_int_ne(config_resolve(&c, &p, err, sizeof err), 0);
    ck_assert_str_eq(err, "--hosts works with the mpi runner only");
    /* Values beyond the space for them: refused, not cut. */
    config_defaults(&c);
    static char big[PLUG_TEXT_MAX + 1];
    memset(big, 'x', sizeof big - 1);
    ck_assert_int_ne(config_set(&c, "urls", big, err, sizeof err), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, declarations);
    tcase_add_test(tc, any_order_any_buffer);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
