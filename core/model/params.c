/*
** params.c — the parameter table and the names of the model's
** enumerations (see params.h).
*/
#include "model/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sim.h"

/* ---- enumeration names ---- */

const char *const kou_mode_names[KOU_MODE_COUNT] = {"air", "rail", "road"};
const char *const kou_direction_names[KOU_DIRECTION_COUNT] = {"import", "export"};
const char *const kou_trader_names[KOU_TRADER_COUNT] = {"aeo_advanced", "aeo_general", "ordinary",
                                                        "discredited"};
const char *const kou_flag_names[KOU_FLAG_COUNT] = {"advance", "inspected", "scanned", "scan_cleared",
                                                    "manual",  "joint",     "lab",     "apron",
                                                    "through", "green",     "duty"};
const char *const kou_flag_meanings[KOU_FLAG_COUNT] = {
    "declared before arrival",
    "selected for inspection",
    "routed to the scanner",
    "released on the scan image alone",
    "inspected by hand",
    "customs and border inspection in one visit",
    "sampled for the lab",
    "inspected and released at the apron",
    "rail through-clearance",
    "green-channel priority",
    "has duty to pay"};
const char *const kou_milestone_names[KOU_MS_COUNT] = {
    "ARRIVAL",     "UNLOADED",   "DECLARED",  "BORDER_DONE", "DOC_CHECKED", "CERTS_DONE", "SCAN_DONE",
    "INSPECT_START", "INSPECT_END", "LAB_RESULT", "DUTY_PAID", "RELEASED",  "PICKUP",     "GATE_OUT"};
const char *const kou_milestone_meanings[KOU_MS_COUNT] = {
    "carrier arrival (import) / goods at the port (export)",
    "unloading and tally done (import)",
    "declaration lodged (may precede arrival)",
    "border-station formalities done (rail)",
    "document check / risk assessment done",
    "supervision certificates verified",
    "machine (NII) scan done",
    "manual inspection started",
    "manual inspection ended",
    "lab result known",
    "duty paid or guaranteed",
    "customs release",
    "import: picked up at the port; export: loaded",
    "import: gate-out; export: carrier departed"};
const char *const kou_weekday_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static const char *name_in(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "?";
}

const char *kou_mode_name(int v)
{
    return name_in(kou_mode_names, KOU_MODE_COUNT, v);
}

const char *kou_direction_name(int v)
{
    return name_in(kou_direction_names, KOU_DIRECTION_COUNT, v);
}

const char *kou_trader_name(int v)
{
    return name_in(kou_trader_names, KOU_TRADER_COUNT, v);
}

const char *kou_milestone_name(kou_milestone m)
{
    return name_in(kou_milestone_names, KOU_MS_COUNT, (int)m);
}

/* ---- distribution families ---- */

#define NOKEYS {NULL, NULL, NULL, NULL}
static const kou_dist_family_info families[] = {
    {KOU_DIST_NONE, "none", NULL, NULL, NOKEYS, 0, 0, {0}, {0}, false, false,
     "no time (written false, or the key left out)"},
    {KOU_DIST_DETERMINISTIC, "fixed", "deterministic", "deterministic", {"value"}, 1, 1, {0}, {true}, false,
     true, "always value; a bare number is a fixed value"},
    {KOU_DIST_EXPONENTIAL, "exponential", NULL, NULL, {"mean"}, 1, 1, {0}, {true}, false, false,
     "exponential with this mean"},
    {KOU_DIST_ERLANG, "erlang", NULL, NULL, {"k", "mean"}, 2, 2, {0}, {false, true}, false, false,
     "sum of k exponentials (k a whole number in [1, 1000]) with this mean"},
    {KOU_DIST_GAMMA, "gamma", NULL, NULL, {"shape", "scale"}, 2, 2, {0}, {false, true}, false, false,
     "gamma by shape and scale"},
    {KOU_DIST_LOGNORMAL, "lognormal", NULL, NULL, {"mean", "cv"}, 2, 2, {0}, {true, false}, false, false,
     "lognormal by mean and coefficient of variation"},
    {KOU_DIST_WEIBULL, "weibull", NULL, NULL, {"shape", "scale"}, 2, 2, {0}, {false, true}, false, false,
     "Weibull by shape and scale"},
    {KOU_DIST_TRIANGULAR, "triangular", NULL, NULL, {"min", "mode", "max"}, 3, 3, {0}, {true, true, true},
     false, false, "triangular on [min, max] with its peak at mode"},
    {KOU_DIST_UNIFORM, "uniform", NULL, NULL, {"min", "max"}, 2, 2, {0}, {true, true}, false, false,
     "uniform on [min, max]"},
    {KOU_DIST_TRUNCNORMAL, "normal", NULL, "truncnormal", {"mean", "sd", "lo", "hi"}, 4, 2,
     {0, 0, 0.0, INFINITY}, {true, true, true, true}, false, false,
     "normal truncated to [lo, hi] (lo defaults to 0, hi to +infinity)"},
    {KOU_DIST_DISCRETE, "discrete", NULL, NULL, {"values", "weights"}, 2, 2, {0}, {true, false}, true, false,
     "values with relative weights"},
    {KOU_DIST_PIECEWISE, "piecewise", NULL, NULL, {"x", "p"}, 2, 2, {0}, {true, false}, true, false,
     "piecewise-linear CDF through the points (x, p), p from 0 to 1"},
};
#define NFAMILIES (sizeof families / sizeof families[0])
_Static_assert(NFAMILIES == KOU_DIST_PIECEWISE + 1, "one entry per kou_dist_family, in enum order");

const kou_dist_family_info *kou_dist_family_get(kou_dist_family f)
{
    return (unsigned)f < NFAMILIES ? &families[f] : NULL;
}

const char *kou_dist_family_name(kou_dist_family f)
{
    return (unsigned)f < NFAMILIES ? families[f].name : "?";
}

const kou_dist_family_info *kou_dist_family_find(const char *name)
{
    for (size_t i = 1; i < NFAMILIES; i++)
        if (strcmp(name, families[i].name) == 0 || (families[i].alias && strcmp(name, families[i].alias) == 0))
            return &families[i];
    return NULL;
}

size_t kou_dist_family_names(const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 1; i < NFAMILIES; i++) {
        if (n < cap)
            out[n] = families[i].name;
        n++;
        if (families[i].alias) {
            if (n < cap)
                out[n] = families[i].alias;
            n++;
        }
    }
    return n;
}

/* ---- the table ---- */

/* offsetof(T, f), failing to compile unless T.f has the C type 'type'. */
#define FIELD(T, f, type) (offsetof(T, f) + 0 * sizeof(_Generic(((T *)0)->f, type: 1)))

#define R_ANY {-INFINITY, INFINITY, false, false}
#define R_UNIT {0.0, 1.0, false, false}
#define R_NONNEG {0.0, INFINITY, false, false}
#define R_POS {0.0, INFINITY, true, false}
#define R_CAPACITY {1.0, 1e6, false, true}
#define R_CERTS {0.0, 100.0, false, false}

#define NUMBER(T, S, f, rng, d, u, m)                                                                        \
    {.key = #f, .field = #f, .scope = S, .kind = KOU_PARAM_NUMBER, .offset = FIELD(T, f, double),            \
     .range = R_##rng, .scale = 1, .def = d, .unit = u, .meaning = m}
#define BOOLEAN(T, S, f, m)                                                                                 \
    {.key = #f, .field = #f, .scope = S, .kind = KOU_PARAM_BOOLEAN, .offset = FIELD(T, f, _Bool),            \
     .range = {0, 1, false, true}, .scale = 1, .unit = "", .meaning = m}
#define DIST(T, S, f, u, fl, m)                                                                             \
    {.key = #f, .field = #f, .scope = S, .kind = KOU_PARAM_DIST, .offset = FIELD(T, f, kou_dist_spec),       \
     .unit = u, .flags = fl, .meaning = m}
#define TRADERS(T, S, f, rng, d, u, m)                                                                       \
    {.key = #f, .field = #f, .scope = S, .kind = KOU_PARAM_TRADERS, .offset = FIELD(T, f, double *),         \
     .range = R_##rng, .scale = 1, .def = d, .unit = u, .meaning = m}
#define TEXT(S, k, m) {.key = k, .scope = S, .kind = KOU_PARAM_TEXT, .unit = "", .meaning = m}
/* A text the model keeps (a name in another language), NULL when absent. */
#define KEPT_TEXT(T, S, f, m)                                                                               \
    {.key = #f, .field = #f, .scope = S, .kind = KOU_PARAM_TEXT, .offset = FIELD(T, f, const char *),         \
     .unit = "", .meaning = m}
#define STRUCT(S, k, kd, c, fl, m) {.key = k, .scope = S, .kind = kd, .child = c, .flags = fl, .unit = "", .meaning = m}
#define ENTRY_NAME(T, S, m)                                                                                 \
    {.key = "name", .field = "name", .scope = S, .kind = KOU_PARAM_NAME,                                     \
     .offset = FIELD(T, name, const char *), .flags = KOU_PARAM_REQUIRED, .unit = "", .meaning = m}
#define STAGE(f, k, fl, m)                                                                                  \
    {.key = k, .field = #f, .scope = KOU_SCOPE_PORT, .kind = KOU_PARAM_RESOURCE_REF,                         \
     .offset = FIELD(kou_port_config, f, int), .flags = fl, .unit = "", .meaning = m,                        \
     .def_text = "the resource named '" k "'" STAGE_DEFAULT_##fl}
#define STAGE_DEFAULT_KOU_PARAM_REQUIRED " (required)"
#define STAGE_DEFAULT_0 ", if any, else none"

#define S_NUM(f, rng, d, u, m) NUMBER(kou_model_config, KOU_SCOPE_SCENARIO, f, rng, d, u, m)
#define P_NUM(f, rng, d, u, m) NUMBER(kou_port_config, KOU_SCOPE_PORT, f, rng, d, u, m)
#define P_BOOL(f, m) BOOLEAN(kou_port_config, KOU_SCOPE_PORT, f, m)
#define P_DIST(f, m) DIST(kou_port_config, KOU_SCOPE_PORT, f, "h", 0, m)
#define F_NUM(f, rng, d, u, m) NUMBER(kou_flow_config, KOU_SCOPE_FLOW, f, rng, d, u, m)
#define G_NUM(f, rng, d, u, m) NUMBER(kou_goods_config, KOU_SCOPE_GOODS, f, rng, d, u, m)
#define G_BOOL(f, m) BOOLEAN(kou_goods_config, KOU_SCOPE_GOODS, f, m)

static const kou_param scenario_params[] = {
    TEXT(KOU_SCOPE_SCENARIO, "name", "the scenario's name, in titles and run files"),
    KEPT_TEXT(kou_model_config, KOU_SCOPE_SCENARIO, name_zh,
              "the scenario's name in Chinese, shown by kouan-viz --lang zh (default: name)"),
    TEXT(KOU_SCOPE_SCENARIO, "description", "what the scenario is, for the reader"),
    TEXT(KOU_SCOPE_SCENARIO, "notes", "anything else the reader should know"),
    {.key = "start_date", .field = "start_date", .scope = KOU_SCOPE_SCENARIO, .kind = KOU_PARAM_DATE,
     .offset = FIELD(kou_model_config, start_date, int32_t), .flags = KOU_PARAM_REQUIRED, .unit = "date",
     .meaning = "hour 0 is 00:00 of this date (\"YYYY-MM-DD\")"},
    {.key = "horizon_days", .field = "horizon_hours", .scope = KOU_SCOPE_SCENARIO, .kind = KOU_PARAM_NUMBER,
     .offset = FIELD(kou_model_config, horizon_hours, kou_time), .range = R_POS, .scale = 24,
     .flags = KOU_PARAM_REQUIRED | KOU_PARAM_CHECKED, .unit = "d",
     .meaning = "days of arrivals (at most 100 years); the run then drains the system"},
    {.key = "warmup_days", .field = "warmup_hours", .scope = KOU_SCOPE_SCENARIO, .kind = KOU_PARAM_NUMBER,
     .offset = FIELD(kou_model_config, warmup_hours, kou_time), .range = R_NONNEG, .scale = 24,
     .flags = KOU_PARAM_CHECKED, .unit = "d",
     .meaning = "consignments arriving earlier are not reported; below horizon_days"},
    {.key = "max_in_system", .field = "max_in_system", .scope = KOU_SCOPE_SCENARIO, .kind = KOU_PARAM_INTEGER,
     .offset = FIELD(kou_model_config, max_in_system, uint64_t), .range = {0, 1e15, false, true}, .scale = 1,
     .flags = KOU_PARAM_U64, .unit = "count",
     .meaning = "guard: the run stops with an error when more consignments would be in the system",
     .def_text = "0 (10 million)"},
    TEXT(KOU_SCOPE_SCENARIO, "era", "the era applied when --era is not given"),
    STRUCT(KOU_SCOPE_SCENARIO, "eras", KOU_PARAM_ERAS, KOU_SCOPE_SCENARIO, 0,
           "name -> table of changes, merged like s:with{} (--era NAME)"),
    STRUCT(KOU_SCOPE_SCENARIO, "fitted", KOU_PARAM_STRINGS, KOU_SCOPE_SCENARIO, 0,
           "what was fitted, for the record"),
    STRUCT(KOU_SCOPE_SCENARIO, "ports", KOU_PARAM_LIST, KOU_SCOPE_PORT, KOU_PARAM_REQUIRED,
           "the ports of entry (at least one)"),
    STRUCT(KOU_SCOPE_SCENARIO, "processes", KOU_PARAM_FUNCTIONS, KOU_SCOPE_SCENARIO, 0,
           "functions started as processes in every replication"),
};

static const kou_param port_params[] = {
    ENTRY_NAME(kou_port_config, KOU_SCOPE_PORT, "the port's name, unique among ports"),
    KEPT_TEXT(kou_port_config, KOU_SCOPE_PORT, name_zh,
              "the port's name in Chinese, shown by kouan-viz and kouan compare --lang zh (default: name)"),
    {.key = "mode", .field = "mode", .scope = KOU_SCOPE_PORT, .kind = KOU_PARAM_ENUM,
     .offset = FIELD(kou_port_config, mode, kou_mode), .flags = KOU_PARAM_REQUIRED, .names = kou_mode_names,
     .nnames = KOU_MODE_COUNT, .unit = "", .meaning = "the port's mode of transport"},
    STRUCT(KOU_SCOPE_PORT, "resources", KOU_PARAM_MAP, KOU_SCOPE_RESOURCE, KOU_PARAM_REQUIRED,
           "name -> resource; numbered in name order"),
    STAGE(res_handling, "handling", KOU_PARAM_REQUIRED, "unloading, tally and loading (cranes, forklifts, teams)"),
    STAGE(res_documents, "documents", KOU_PARAM_REQUIRED, "document reviewers: document check and certificates"),
    STAGE(res_scanner, "scanner", 0, "H986 / NII scanners"),
    STAGE(res_inspection, "inspection", KOU_PARAM_REQUIRED, "customs inspection officers / bays"),
    STAGE(res_border_insp, "border_inspection", 0, "border (CIQ) inspection; none: the customs inspection resource"),
    STAGE(res_apron, "apron", 0, "apron teams (none: no apron release)"),
    STAGE(res_gate, "gate", 0, "gate lanes (none: no gate stage)"),
    P_DIST(unload_per_unit, "handling per unit (exports: loading, shared by the unit's consignments)"),
    P_DIST(prep_time, "arrival -> declaration (single window), when not declared in advance"),
    P_DIST(doc_check, "document check, per declaration"),
    P_DIST(cert_time, "verification of one certificate"),
    P_DIST(scan_time, "one machine scan"),
    P_DIST(notice_delay, "selection -> goods presented, per inspection visit"),
    P_DIST(inspect_time, "one manual inspection visit"),
    P_DIST(duty_time, "CERTS_DONE (tax bill) -> duty paid, a pure delay"),
    P_DIST(warehouse_move, "release -> ready for pickup (not at the apron)"),
    P_DIST(pickup_delay, "ready -> picked up (imports) / loaded (exports)"),
    P_DIST(gate_time, "one pass through a gate lane"),
    P_DIST(border_time, "rail imports: border-station formalities"),
    P_DIST(border_data_check, "rail through-clearance: the border data check that replaces border_time"),
    P_NUM(pickup_cap_hours, NONNEG, 0, "h", "published terminal limit on pickup_delay (0: none)"),
    P_NUM(advance_share, UNIT, 0, "share", "share of consignments declared before arrival"),
    P_NUM(advance_lead_hours, NONNEG, 0, "h",
          "how long before the scheduled arrival they are declared (exports: before the goods arrive)"),
    TRADERS(kou_port_config, KOU_SCOPE_PORT, inspect_prob, UNIT, 0, "share",
            "probability of selection for inspection by trader class (plus the goods' extra_inspect_prob)"),
    P_NUM(scan_first_share, UNIT, 0, "share", "share of the selected routed to the scanner first"),
    P_NUM(scan_clear_prob, UNIT, 0, "share", "probability a scanned consignment is released on the image"),
    P_NUM(auto_review_share, UNIT, 0, "share",
          "share of declarations accepted on the risk system's automatic review: no reviewer checks their "
          "documents (certificates, if any, still go to a reviewer)"),
    P_NUM(two_step_share, UNIT, 0, "share",
          "imports: share of declarations lodged in two steps (两步申报: a summary declaration, the full one "
          "within 14 days); discredited traders excluded; their duty is paid off the critical path"),
    P_NUM(two_step_prep_factor, UNIT, 1, "share",
          "two-step declarations: their preparation as a share of prep_time (the summary's 9 items of 105)"),
    P_BOOL(joint_inspection, "customs and border inspection in one visit instead of two"),
    P_BOOL(release_before_duty, "release does not wait for the duty payment"),
    P_BOOL(release_before_lab, "release does not wait for the lab result"),
    P_BOOL(apron_release, "apron_eligible goods are inspected and released at the apron (needs an apron)"),
    P_BOOL(through_clearance, "rail: one declaration and inspection at destination (border_data_check)"),
    P_NUM(certs_per_consignment, CERTS, 0, "count",
          "mean number of certificates per consignment (Poisson)"),
    {.key = "green_priority", .field = "green_priority", .scope = KOU_SCOPE_PORT, .kind = KOU_PARAM_INTEGER,
     .offset = FIELD(kou_port_config, green_priority, int),
     .range = {KOU_PRIORITY_MIN, KOU_PRIORITY_MAX, false, true}, .scale = 1, .unit = "priority",
     .meaning = "queue priority of green-channel goods (others ask with 0)"},
    P_NUM(fee_handling_per_unit, NONNEG, 0, "CNY", "handling fee per unit, shared by its consignments"),
    P_NUM(fee_inspection, NONNEG, 0, "CNY", "fee per manual inspection visit"),
    P_NUM(fee_scan, NONNEG, 0, "CNY", "fee per scan"),
    P_NUM(fee_storage_per_day, NONNEG, 0, "CNY", "storage fee per started day beyond storage_free_hours"),
    P_NUM(storage_free_hours, NONNEG, 0, "h", "free storage, from UNLOADED (exports: ARRIVAL)"),
    STRUCT(KOU_SCOPE_PORT, "flows", KOU_PARAM_LIST, KOU_SCOPE_FLOW, KOU_PARAM_REQUIRED,
           "the streams of carriers into and out of the port (at least one)"),
    TEXT(KOU_SCOPE_PORT, "description", "for the reader"),
};

static const kou_param flow_params[] = {
    ENTRY_NAME(kou_flow_config, KOU_SCOPE_FLOW, "the flow's name, unique in its port"),
    {.key = "mode", .field = "mode", .scope = KOU_SCOPE_FLOW, .kind = KOU_PARAM_ENUM,
     .offset = FIELD(kou_flow_config, mode, kou_mode), .flags = KOU_PARAM_INHERIT, .names = kou_mode_names,
     .nnames = KOU_MODE_COUNT, .unit = "", .meaning = "the carriers' mode", .def_text = "the port's mode"},
    {.key = "direction", .field = "direction", .scope = KOU_SCOPE_FLOW, .kind = KOU_PARAM_ENUM,
     .offset = FIELD(kou_flow_config, direction, kou_direction), .flags = KOU_PARAM_REQUIRED,
     .names = kou_direction_names, .nnames = KOU_DIRECTION_COUNT, .unit = "",
     .meaning = "import: carriers arrive; export: carriers depart"},
    {.key = "timetable", .field = "timetable", .scope = KOU_SCOPE_FLOW, .kind = KOU_PARAM_TIMETABLE,
     .offset = FIELD(kou_flow_config, timetable, const double *), .child = KOU_SCOPE_TIMETABLE, .unit = "",
     .meaning = "weekly carriers; give exactly one of timetable, rate_per_hour and rate"},
    {.key = "rate_per_hour", .field = "rate_per_hour", .scope = KOU_SCOPE_FLOW, .kind = KOU_PARAM_RATES,
     .offset = FIELD(kou_flow_config, rate_per_hour, const double *), .range = R_NONNEG, .unit = "per h",
     .meaning = "Poisson arrivals: one rate, or 168 rates from Monday 00:00"},
    {.key = "rate", .field = "rate_per_hour", .scope = KOU_SCOPE_FLOW, .kind = KOU_PARAM_RATES,
     .offset = FIELD(kou_flow_config, rate_per_hour, const double *), .child = KOU_SCOPE_RATE, .range = R_NONNEG,
     .flags = KOU_PARAM_INPUT, .unit = "per h",
     .meaning = "Poisson arrivals: rate in hour h of day d = hourly[h] * weekday[d]"},
    DIST(kou_flow_config, KOU_SCOPE_FLOW, delay, "h", 0, "lateness added to timetable arrivals"),
    DIST(kou_flow_config, KOU_SCOPE_FLOW, units_per_carrier, "count", KOU_PARAM_REQUIRED,
         "units (ULDs, containers, truck loads) per carrier, rounded, at least 1"),
    DIST(kou_flow_config, KOU_SCOPE_FLOW, consignments_per_unit, "count", KOU_PARAM_REQUIRED,
         "consignments (declarations) per unit, rounded, at least 1"),
    {.key = "trader_share", .field = "trader_share", .scope = KOU_SCOPE_FLOW, .kind = KOU_PARAM_TRADERS,
     .offset = FIELD(kou_flow_config, trader_share, double *), .range = R_NONNEG, .scale = 1, .def = 1,
     .unit = "weight", .meaning = "weights of the trader classes among the consignments (not all zero)",
     .def_text = "all ordinary"},
    F_NUM(handoff_hours_mean, NONNEG, 0, "h", "imports: mean onward hand-off (exponential) after PICKUP (0: none)"),
    DIST(kou_flow_config, KOU_SCOPE_FLOW, goods_lead, "h",
         0, "exports: goods reach the port this long before the carrier's scheduled departure"),
    F_NUM(goods_window_hours, NONNEG, 72, "h", "exports: the earliest the terminal accepts cargo, as a cap on goods_lead"),
    STRUCT(KOU_SCOPE_FLOW, "goods", KOU_PARAM_LIST, KOU_SCOPE_GOODS, 0,
           "goods classes (omitted: one class 'general' with share 1)"),
    TEXT(KOU_SCOPE_FLOW, "description", "for the reader"),
};

static const kou_param goods_params[] = {
    ENTRY_NAME(kou_goods_config, KOU_SCOPE_GOODS, "the class's name, unique in its flow"),
    G_NUM(share, NONNEG, 1, "weight", "weight within the flow's goods mix (not all zero)"),
    G_BOOL(apron_eligible, "may be inspected and released at the apron"),
    G_BOOL(green_channel, "priority in every queue (the port's green_priority)"),
    G_NUM(lab_prob, UNIT, 0, "share", "probability an inspected consignment is sampled for the lab"),
    DIST(kou_goods_config, KOU_SCOPE_GOODS, lab_time, "h", 0, "sampling -> lab result"),
    G_NUM(duty_prob, UNIT, 0, "share", "probability the consignment owes duty"),
    G_NUM(extra_inspect_prob, UNIT, 0, "share", "added to the trader class's inspection probability"),
    TEXT(KOU_SCOPE_GOODS, "description", "for the reader"),
};

static const kou_param resource_params[] = {
    TEXT(KOU_SCOPE_RESOURCE, "name", "ignored: the key in resources is the name"),
    {.key = "capacity", .field = "capacity", .scope = KOU_SCOPE_RESOURCE, .kind = KOU_PARAM_INTEGER,
     .offset = FIELD(kou_resource_spec, capacity, int), .range = R_CAPACITY, .scale = 1,
     .flags = KOU_PARAM_CHECKED, .unit = "count",
     .meaning = "servers, open 7x24 (a bare number N means {capacity = N}); give capacity or hours",
     .def_text = "none: give capacity or hours"},
    {.key = "hours", .field = "hours", .scope = KOU_SCOPE_RESOURCE, .kind = KOU_PARAM_CALENDAR,
     .offset = FIELD(kou_resource_spec, hours, const kou_hours_spec *), .child = KOU_SCOPE_HOURS, .unit = "",
     .meaning = "opening hours with a capacity each; closed otherwise"},
    {.key = "holidays", .field = "holidays", .scope = KOU_SCOPE_RESOURCE, .kind = KOU_PARAM_DATES,
     .offset = FIELD(kou_resource_spec, holidays, const int32_t *), .unit = "date",
     .meaning = "days closed all day (with hours)"},
    {.key = "workdays", .field = "workdays", .scope = KOU_SCOPE_RESOURCE, .kind = KOU_PARAM_WORKDAYS,
     .offset = FIELD(kou_resource_spec, workdays, const int32_t *), .child = KOU_SCOPE_WORKDAY, .unit = "date",
     .meaning = "make-up working days {\"YYYY-MM-DD\", as = \"Mon\"} (a bare date: as Monday)"},
};

static const kou_param hours_params[] = {
    {.key = "days", .field = "weekday_mask", .scope = KOU_SCOPE_HOURS, .kind = KOU_PARAM_DAYS,
     .offset = FIELD(kou_hours_spec, weekday_mask, unsigned), .unit = "", .def_text = "every day",
     .meaning = "\"Mon-Fri\", \"Mon,Wed,Fri\", \"Sat-Mon\", \"daily\", \"weekdays\", \"weekends\""},
    {.key = "from", .field = "start_h", .scope = KOU_SCOPE_HOURS, .kind = KOU_PARAM_TIMES,
     .offset = FIELD(kou_hours_spec, start_h, double), .flags = KOU_PARAM_REQUIRED, .unit = "HH:MM",
     .meaning = "opening time, \"00:00\" to \"24:00\""},
    {.key = "to", .field = "end_h", .scope = KOU_SCOPE_HOURS, .kind = KOU_PARAM_TIMES,
     .offset = FIELD(kou_hours_spec, end_h, double), .flags = KOU_PARAM_REQUIRED, .unit = "HH:MM",
     .meaning = "closing time; not after from: overnight into the next days"},
    {.key = "capacity", .field = "capacity", .scope = KOU_SCOPE_HOURS, .kind = KOU_PARAM_INTEGER,
     .offset = FIELD(kou_hours_spec, capacity, int), .range = R_CAPACITY, .scale = 1,
     .flags = KOU_PARAM_REQUIRED | KOU_PARAM_CHECKED, .unit = "count", .meaning = "servers open in these hours"},
};

static const kou_param workday_params[] = {
    {.key = "as", .scope = KOU_SCOPE_WORKDAY, .kind = KOU_PARAM_DAYS, .unit = "", .def_text = "\"Mon\"",
     .meaning = "the weekday whose hours the make-up day follows (\"Mon\" .. \"Sun\"), after the date"},
};

static const kou_param timetable_params[] = {
    {.key = "days", .scope = KOU_SCOPE_TIMETABLE, .kind = KOU_PARAM_DAYS, .unit = "", .def_text = "every day",
     .meaning = "the days of these departures, as in opening hours"},
    {.key = "at", .scope = KOU_SCOPE_TIMETABLE, .kind = KOU_PARAM_TIMES, .flags = KOU_PARAM_REQUIRED,
     .unit = "HH:MM", .meaning = "a time \"HH:MM\" before \"24:00\", or a list of them"},
};

static const kou_param rate_params[] = {
    {.key = "hourly", .scope = KOU_SCOPE_RATE, .kind = KOU_PARAM_NUMBERS, .range = R_NONNEG, .def = 1,
     .unit = "per h", .meaning = "24 numbers (hour 0 first), or one for every hour"},
    {.key = "weekday", .scope = KOU_SCOPE_RATE, .kind = KOU_PARAM_NUMBERS, .range = R_NONNEG, .def = 1,
     .unit = "", .meaning = "7 factors (Monday first), or one for every day"},
};

typedef struct scope_info {
    const char *name;
    const kou_param *params;
    size_t n;
} scope_info;

#define SCOPE(name, a) {name, a, sizeof a / sizeof a[0]}
static const scope_info scopes[KOU_SCOPE_COUNT] = {
    SCOPE("scenario", scenario_params), SCOPE("port", port_params),
    SCOPE("flow", flow_params),         SCOPE("goods", goods_params),
    SCOPE("resource", resource_params), SCOPE("hours entry", hours_params),
    SCOPE("workday", workday_params),   SCOPE("timetable entry", timetable_params),
    SCOPE("rate", rate_params),
};

const kou_param *kou_params(kou_param_scope scope, size_t *n)
{
    KOU_CHECK((unsigned)scope < KOU_SCOPE_COUNT);
    *n = scopes[scope].n;
    return scopes[scope].params;
}

const kou_param *kou_param_find(kou_param_scope scope, const char *key)
{
    size_t n;
    const kou_param *p = kou_params(scope, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].key, key) == 0)
            return &p[i];
    return NULL;
}

size_t kou_param_keys(kou_param_scope scope, const char **out, size_t cap)
{
    size_t n;
    const kou_param *p = kou_params(scope, &n);
    KOU_CHECK(cap > n);
    for (size_t i = 0; i < n; i++)
        out[i] = p[i].key;
    out[n] = NULL;
    return n;
}

const char *kou_param_choices_text(const kou_param *p, bool quoted, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->nnames; i++) {
        const char *sep = i == 0 ? "" : i + 1 == p->nnames ? " or " : ", ";
        int w = snprintf(buf + at, len - at, quoted ? "%s\"%s\"" : "%s%s", sep, p->names[i]);
        if (w > 0 && at + (size_t)w < len)
            at += (size_t)w;
    }
    return buf;
}

const char *kou_param_scope_name(kou_param_scope scope)
{
    return (unsigned)scope < KOU_SCOPE_COUNT ? scopes[scope].name : "?";
}

const char *kou_param_kind_text(kou_param_kind kind)
{
    static const char *const text[KOU_PARAM_KIND_COUNT] = {
        "number", "whole number", "boolean", "distribution", "choice", "number per trader class",
        "resource name or false", "date", "opening hours", "timetable", "arrival rates", "name", "text",
        "list of named entries", "map of named entries", "list of dates", "make-up working days", "days",
        "time(s) HH:MM", "number(s)", "eras", "list of strings", "list of functions"};
    return (unsigned)kind < KOU_PARAM_KIND_COUNT ? text[kind] : "?";
}

/* ---- ranges ---- */

bool kou_param_in_range(const kou_param_range *r, double v)
{
    if (!isfinite(v) || v < r->lo || v > r->hi || (r->lo_open && v == r->lo))
        return false;
    return !r->whole || v == floor(v);
}

/* A bound as a message shows it: whole numbers up to a billion in full
** (1000000, not 1e+06), others as %g. */
static const char *bound_text(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) <= 1e9)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
    return buf;
}

const char *kou_param_range_text(const kou_param_range *r, bool noun, char *buf, size_t len)
{
    const char *a = noun ? "a number " : "";
    char lo[32], hi[32];
    bound_text(r->lo, lo, sizeof lo);
    bound_text(r->hi, hi, sizeof hi);
    if (r->whole)
        snprintf(buf, len, "a whole number in [%s, %s]", lo, hi);
    else if (isinf(r->lo) && isinf(r->hi))
        snprintf(buf, len, "%s", noun ? "a finite number" : "finite");
    else if (isinf(r->hi))
        snprintf(buf, len, "%s%s %s and finite", a, r->lo_open ? ">" : ">=", lo);
    else
        snprintf(buf, len, "%sin %s%s, %s]", a, r->lo_open ? "(" : "[", lo, hi);
    return buf;
}

/* ---- values ---- */

bool kou_param_is_number(const kou_param *p)
{
    return p->kind == KOU_PARAM_NUMBER || p->kind == KOU_PARAM_INTEGER || p->kind == KOU_PARAM_BOOLEAN;
}

static double scale_of(const kou_param *p)
{
    return p->scale != 0 ? p->scale : 1.0;
}

double kou_param_read(const kou_param *p, const void *base)
{
    const char *f = (const char *)base + p->offset;
    switch (p->kind) {
    case KOU_PARAM_NUMBER: return *(const double *)(const void *)f / scale_of(p);
    case KOU_PARAM_BOOLEAN: return *(const bool *)(const void *)f ? 1.0 : 0.0;
    case KOU_PARAM_INTEGER:
        if (p->flags & KOU_PARAM_U64)
            return (double)*(const uint64_t *)(const void *)f;
        return (double)*(const int *)(const void *)f;
    default: koui_assert_failed(__FILE__, __LINE__, __func__, "kou_param_read: not a number");
    }
}

void kou_param_write(const kou_param *p, void *base, double v)
{
    char *f = (char *)base + p->offset;
    switch (p->kind) {
    case KOU_PARAM_NUMBER: *(double *)(void *)f = v * scale_of(p); break;
    case KOU_PARAM_BOOLEAN: *(bool *)(void *)f = v != 0; break;
    case KOU_PARAM_INTEGER:
        if (p->flags & KOU_PARAM_U64)
            *(uint64_t *)(void *)f = (uint64_t)v;
        else
            *(int *)(void *)f = (int)v;
        break;
    default: koui_assert_failed(__FILE__, __LINE__, __func__, "kou_param_write: not a number");
    }
}

const char *kou_number_text(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "nan");
    else if (isinf(v))
        snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
    else
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, len, "%.*g", p, v);
            if (strtod(buf, NULL) == v) {
                /* 200, not 2e+02: positional when the exponent is small */
                int e = v != 0 ? (int)floor(log10(fabs(v))) : 0;
                if (strchr(buf, 'e') && e >= p && e < 17)
                    snprintf(buf, len, "%.*g", e + 1, v);
                break;
            }
        }
    return buf;
}
