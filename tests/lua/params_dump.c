/*
** params_dump.c — a test helper for check_port.py's "params" group: loads
** a port scenario as the commands do (lua/portset.h), and prints its
** resolved parameters with the --dump printer of model/param_print.h.
**
** usage: kouan-params-dump FILE [--era E] [--set PATH=VALUE]... [--apply PATH=VALUE]...
**   --set    through the scenario table and a new conversion (as kouan run)
**   --apply  on a copy of the converted configuration (model/param_path.h),
**            as a sweep point does; the copy is then validated
** Exit 0, or 1 with "params-dump: message" on stderr (2 for usage).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/portset.h"
#include "model/param_path.h"
#include "model/param_print.h"

enum { MAX_ARGS = 32 };

typedef struct args {
    const char *script, *era;
    const char *set_key[MAX_ARGS], *set_value[MAX_ARGS], *apply[MAX_ARGS];
    int nset, napply;
    char store[MAX_ARGS][512];
} args;

static int usage(void)
{
    fputs("usage: kouan-params-dump FILE [--era E] [--set PATH=VALUE]... [--apply PATH=VALUE]...\n", stderr);
    return 2;
}

static int parse(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--era") == 0 && i + 1 < argc) {
            a->era = argv[++i];
        } else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && a->nset < MAX_ARGS) {
            char *s = a->store[a->nset];
            snprintf(s, sizeof a->store[0], "%s", argv[++i]);
            char *eq = strchr(s, '=');
            if (eq == NULL)
                return usage();
            *eq = '\0';
            a->set_key[a->nset] = s;
            a->set_value[a->nset++] = eq + 1;
        } else if (strcmp(argv[i], "--apply") == 0 && i + 1 < argc && a->napply < MAX_ARGS) {
            a->apply[a->napply++] = argv[++i];
        } else if (argv[i][0] != '-' && a->script == NULL) {
            a->script = argv[i];
        } else {
            return usage();
        }
    }
    return a->script ? 0 : usage();
}

/* Applies every --apply to a copy of cfg; NULL after printing why. */
static kou_model_config *apply_all(const kou_model_config *cfg, const args *a)
{
    kou_model_config *copy = kou_model_config_copy(cfg);
    for (int i = 0; i < a->napply; i++) {
        char path[512], err[512];
        snprintf(path, sizeof path, "%s", a->apply[i]);
        char *eq = strchr(path, '=');
        kou_param_ref ref;
        if (eq == NULL) {
            fprintf(stderr, "params-dump: --apply %s: no '='\n", a->apply[i]);
            kou_model_config_free(copy);
            return NULL;
        }
        *eq = '\0';
        if (kou_param_resolve(copy, path, &ref, err, sizeof err) != KOU_OK ||
            kou_param_apply(copy, &ref, strtod(eq + 1, NULL), err, sizeof err) != KOU_OK ||
            kou_model_validate(copy, err, sizeof err) != KOU_OK) {
            fprintf(stderr, "params-dump: --apply %s: %s\n", a->apply[i], err);
            kou_model_config_free(copy);
            return NULL;
        }
    }
    return copy;
}

int main(int argc, char **argv)
{
    args a;
    int code = parse(argc, argv, &a);
    if (code != 0)
        return code;
    const char *eras[1] = {a.era};
    kou_portset_request rq;
    kou_portset_request_default(&rq);
    rq.scripts = &a.script;
    rq.nscripts = 1;
    rq.eras = eras;
    rq.neras = 1;
    rq.set_key = a.set_key;
    rq.set_value = a.set_value;
    rq.nset = (size_t)a.nset;
    rq.run = true;
    kou_portset *ps = kou_portset_new(&rq, &code);
    if (ps == NULL)
        return code;
    kou_model_config *copy = apply_all(kou_portset_get(ps, 0)->cfg, &a);
    bool ok = copy != NULL;
    if (ok)
        kou_params_dump(stdout, copy);
    kou_model_config_free(copy);
    kou_portset_free(ps);
    return ok ? 0 : 1;
}
