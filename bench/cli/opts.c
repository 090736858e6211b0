/* bench/cli/opts.c: the one table-driven option parser (see opts.h). */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "bench/cli/opts.h"
#include "bench/cli/parse.h"

int opt_set(const struct opt *o, void *base, const char *value, char *err,
            size_t errlen)
{
    char sub[200];
    int rc = 0;
    void *field = (char *)base + o->off;
    switch (o->type) {
    case OT_FLAG:
        *(int *)field = 1;
        return 0;
    case OT_ARGV: {
        /* The text of a JSON array of strings, the first one not empty. */
        cJSON *a = cJSON_Parse(value);
        int ok = cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0;
        const cJSON *s;
        cJSON_ArrayForEach(s, a)
            ok &= cJSON_IsString(s) != 0;
        ok = ok && cJSON_GetArrayItem(a, 0)->valuestring[0];
        cJSON_Delete(a);
        if (!ok) {
            snprintf(err, errlen, "--%s: expected a command and its "
                     "arguments (a JSON array of strings in a matrix file)",
                     o->name);
            return -EINVAL;
        }
        *(const char **)field = value;
        return 0;
    }
    case OT_STR:
        if (!*value) {
            snprintf(err, errlen, "--%s: empty value", o->name);
            return -EINVAL;
        }
        *(const char **)field = value;
        return 0;
    case OT_UINT:
        rc = pb_parse_uint(value, (uint64_t)o->min, (uint64_t)o->max, field,
                           sub, sizeof sub);
        break;
    case OT_INT:
        rc = pb_parse_int(value, o->min, o->max, field, sub, sizeof sub);
        break;
    case OT_SIZE:
        rc = pb_parse_size(value, field, sub, sizeof sub);
        if (!rc && *(uint64_t *)field < (uint64_t)o->min) {
            snprintf(sub, sizeof sub, "'%s': must be at least %lld byte%s",
                     value, (long long)o->min, o->min == 1 ? "" : "s");
            rc = -EINVAL;
        }
        if (!rc && o->max && *(uint64_t *)field > (uint64_t)o->max) {
            char lim[32];
            pb_format_size((uint64_t)o->max, lim, sizeof lim);
            snprintf(sub, sizeof sub, "'%s': must be at most %s", value, lim);
            rc = -EINVAL;
        }
        break;
    case OT_DURATION:
        rc = pb_parse_duration(value, field, sub, sizeof sub);
        break;
    case OT_NUMBER:
        rc = pb_parse_number(value, (double)o->min, (double)o->max, field,
                             sub, sizeof sub);
        break;
    case OT_CHOICE: {
        int k = opt_choice_index(o, value);
        if (k < 0) {
            snprintf(sub, sizeof sub, "unknown mode '%.60s' (%s)", value,
                     o->meta);
            rc = -EINVAL;
        } else {
            *(int *)field = k;
        }
        break;
    }
    }
    if (rc)
        snprintf(err, errlen, "--%s: %s", o->name, sub);
    return rc;
}

static int default_set(void *base, const struct opt *o, const char *value,
                       char *err, size_t errlen)
{
    return opt_set(o, base, value, err, errlen);
}

int opt_parse(const struct opt *t, size_t n, void *base, opt_setter set,
              int argc, char **argv, const char **pos, size_t maxpos,
              size_t *npos, char *err, size_t errlen)
{
    return opt_parse_more(t, n, NULL, base, set, argc, argv, pos, maxpos,
                          npos, err, errlen);
}

int opt_parse_more(const struct opt *t, size_t n, opt_lookup more,
                   void *base, opt_setter set, int argc, char **argv,
                   const char **pos, size_t maxpos, size_t *npos, char *err,
                   size_t errlen)
{
    if (!set)
        set = default_set;
    if (npos)
        *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (a[0] == '-' && a[1]) {
                snprintf(err, errlen, "unknown option '%.60s'", a);
                return -EINVAL;
            }
            if (!npos || *npos >= maxpos) {
                snprintf(err, errlen, "unexpected argument '%.60s'", a);
                return -EINVAL;
            }
            pos[(*npos)++] = a;
            continue;
        }
        char name[64];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        const struct opt *o = NULL;
        if (len < sizeof name) {
            memcpy(name, a + 2, len);
            name[len] = 0;
            o = opt_find(t, n, name);
            if (!o && more)
                o = more(name);
        }
        if (!o) {
            snprintf(err, errlen, "unknown option '--%.*s'",
                     len > 60 ? 60 : (int)len, a + 2);
            return -EINVAL;
        }
        const char *value = "";
        char *argv_json = NULL;
        if (o->type == OT_ARGV && !eq) {
            /* Every remaining argument is the command. */
            cJSON *a = cJSON_CreateArray();
            for (int k = i + 1; a && k < argc; k++)
                cJSON_AddItemToArray(a, cJSON_CreateString(argv[k]));
            argv_json = a ? cJSON_PrintUnformatted(a) : NULL;
            cJSON_Delete(a);
            if (!argv_json) {
                snprintf(err, errlen, "--%s: out of memory", o->name);
                return -ENOMEM;
            }
            i = argc;
            int rc = set(base, o, argv_json, err, errlen);
            free(argv_json);
            if (rc)
                return rc;
            continue;
        }
        if (o->type == OT_FLAG) {
            if (eq) {
                snprintf(err, errlen, "--%s takes no value", o->name);
                return -EINVAL;
            }
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(err, errlen, "--%s needs a value (%s)", o->name, o->meta);
            return -EINVAL;
        }
        int rc = set(base, o, value, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

void opt_help_text(const struct opt *o, char *buf, size_t n)
{
    if (o->def)
        snprintf(buf, n, "%s (default %s)", o->help ? o->help : "", o->def);
    else
        snprintf(buf, n, "%s", o->help ? o->help : "");
}

void opt_print(FILE *f, const struct opt *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!t[i].help)
            continue;
        char left[48], help[512];
        snprintf(left, sizeof left, "--%s%s%s", t[i].name,
                 t[i].type == OT_FLAG ? "" : " ", t[i].meta);
        opt_help_text(&t[i], help, sizeof help);
        if (strlen(left) > 24) /* a long list of values: help below it */
            fprintf(f, "  %s\n  %-24s %s\n", left, "", help);
        else
            fprintf(f, "  %-24s %s\n", left, help);
    }
}

int opt_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}
