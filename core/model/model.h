/*
** model.h — the port-clearance model: carriers (flights, trains, trucks)
** bring units (ULDs, containers, truck loads) that carry consignments
** (customs declarations); each consignment goes through the clearance flow
** of its port and direction and gets every WCO Time Release Study
** milestone stamped.
**
** The model knows nothing of Lua or HDF5. It reads an immutable
** configuration (kou_model_config: plain data, with distributions and
** calendars given as specs, not kernel objects) and builds its kernel
** objects inside each replication's own kou_sim, so one configuration can
** run many replications, on many threads, at once. Records leave the model
** only through the observer callbacks (kou_model_observer). The model owns
** the consignment, unit and carrier state of a run: it is pooled and freed
** as consignments leave, so memory follows the work in the system, never
** the length of the run.
**
** Every reform lever is a parameter of kou_port_config; the flow is one
** code path for all scenarios. Time is in hours (base.h).
**
** Flow of an import consignment (milestones in capitals):
**   carrier ARRIVAL -> unit unloaded/tallied (UNLOADED; handling resource)
**   -> DECLARED (advance-declared ones advance_lead_hours before the
**      scheduled arrival; else the single-window preparation time after
**      ARRIVAL)
**   -> [rail: BORDER_DONE = ARRIVAL + border formalities: border_time is
**      the border station's whole share, re-declaration and re-inspection
**      included; under through-clearance (one declaration, one inspection,
**      at destination) only border_data_check remains. The goods count as
**      present for inspection and release only from BORDER_DONE on]
**   -> DOC_CHECKED (document reviewers; may precede ARRIVAL)
**   -> CERTS_DONE (Poisson count x cert_time, same reviewer, in sequence)
**   -> selected for inspection? (probability by trader credit class plus
**      the goods' extra risk); physical checks wait for the goods
**      (UNLOADED, and BORDER_DONE for rail)
**      -> machine scan first? SCAN_DONE -> cleared by image -> no manual
**      -> manual: notice delay, INSPECT_START .. INSPECT_END (joint: one
**         visit of the customs inspection resource; else a customs visit
**         then a border-inspection visit, each after its own notice delay)
**      -> lab sample? LAB_RESULT (release waits unless release-before-lab)
**   -> DUTY_PAID = CERTS_DONE + duty time (release waits unless
**      release-before-duty)
**   -> RELEASED (never before the goods are present: an advance-declared,
**      uninspected consignment is released when its unit is unloaded)
**   -> port operations: warehouse move unless apron release, pickup delay
**      (capped by pickup_cap_hours), PICKUP, onward hand-off delay, gate
**      lane -> GATE_OUT.
** Exports: goods ARRIVAL at the port (goods_lead before the carrier's
** scheduled departure) -> DECLARED -> checks as above -> RELEASED ->
** warehouse move unless apron -> pickup delay -> loading on the handling
** resource (PICKUP = loaded) -> GATE_OUT = the carrier departs, at its
** scheduled (and delayed) time or, if later, when its last consignment is
** loaded: a departure waits for its cargo. Exports have no border stage
** and no hand-off.
**
** Order of milestones. They form a partial order, not a chain (advance
** declaration puts DECLARED before ARRIVAL). Where present:
**   ARRIVAL <= UNLOADED <= RELEASED, ARRIVAL <= BORDER_DONE <= RELEASED,
**   DECLARED <= DOC_CHECKED <= CERTS_DONE <= SCAN_DONE <= INSPECT_START
**   <= INSPECT_END <= LAB_RESULT, CERTS_DONE <= DUTY_PAID,
**   CERTS_DONE, SCAN_DONE, INSPECT_END <= RELEASED <= PICKUP <= GATE_OUT,
**   and LAB_RESULT / DUTY_PAID <= RELEASED unless released before them.
**
** Common random numbers. Carrier arrivals come from a stream per flow;
** every per-carrier, per-unit and per-consignment draw comes from a stream
** per purpose re-keyed by the entity's number within its flow, and all of
** a consignment's draws are taken when it is created. So a baseline and a
** reform see the same carriers, the same consignments and the same draws
** wherever the flow is the same, whatever the order of events. Streams:
** "arrivals.pP.fF" per flow, and "carrier", "unloading", "goods", "trader",
** "advance", "prep", "doc", "certs", "inspection.select", "scan", "notice",
** "inspection.time", "lab", "duty", "port.ops", "border", "export.lead".
*/
#ifndef KOUAN_MODEL_MODEL_H
#define KOUAN_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/base.h"
#include "kernel/resource.h"
#include "kernel/sim.h"

/* ---- value specs for distributions and calendars ---- */
typedef enum kou_dist_family {
    KOU_DIST_NONE = 0, /* "no time": always 0 */
    KOU_DIST_DETERMINISTIC, /* p[0] = value */
    KOU_DIST_EXPONENTIAL,   /* p[0] = mean */
    KOU_DIST_ERLANG,        /* p[0] = k, p[1] = mean */
    KOU_DIST_GAMMA,         /* p[0] = shape, p[1] = scale */
    KOU_DIST_LOGNORMAL,     /* p[0] = mean, p[1] = cv */
    KOU_DIST_WEIBULL,       /* p[0] = shape, p[1] = scale */
    KOU_DIST_TRIANGULAR,    /* p[0] = min, p[1] = mode, p[2] = max */
    KOU_DIST_UNIFORM,       /* p[0] = a, p[1] = b */
    KOU_DIST_TRUNCNORMAL,   /* p[0] = mean, p[1] = sd, p[2] = lo, p[3] = hi */
    KOU_DIST_DISCRETE,      /* x[i] values with weights w[i] */
    KOU_DIST_PIECEWISE      /* x[i] points with cumulative probabilities w[i] */
} kou_dist_family;

typedef struct kou_dist_spec {
    kou_dist_family family;
    double p[4];
    const double *x, *w; /* tables of DISCRETE / PIECEWISE (n entries) */
    size_t n;
} kou_dist_spec;

typedef struct kou_hours_spec {
    unsigned weekday_mask; /* bit 0 = Monday .. bit 6 = Sunday */
    double start_h, end_h; /* within [0, 24] */
    int capacity;
} kou_hours_spec;

/* A resource: a name, and either a fixed capacity open 7x24 (nhours == 0)
** or opening hours with capacities, holidays and make-up working days. */
typedef struct kou_resource_spec {
    const char *name;
    int capacity;                /* used when nhours == 0 */
    const kou_hours_spec *hours; /* nhours entries */
    size_t nhours;
    const int32_t *holidays;     /* YYYYMMDD, closed all day */
    size_t nholidays;
    const int32_t *workdays;     /* YYYYMMDD make-up working days ... */
    const int *workday_as;       /* ... following this weekday's hours (0 = Monday) */
    size_t nworkdays;
} kou_resource_spec;

/* ---- enumerations ---- */
typedef enum kou_mode { KOU_MODE_AIR, KOU_MODE_RAIL, KOU_MODE_ROAD, KOU_MODE_COUNT } kou_mode;
typedef enum kou_direction { KOU_IMPORT, KOU_EXPORT, KOU_DIRECTION_COUNT } kou_direction;
typedef enum kou_trader_class {
    KOU_TRADER_AEO_ADVANCED, KOU_TRADER_AEO_GENERAL, KOU_TRADER_ORDINARY,
    KOU_TRADER_DISCREDITED, KOU_TRADER_COUNT
} kou_trader_class;

typedef enum kou_milestone {
    KOU_MS_ARRIVAL,       /* carrier arrival (import) / goods at the port (export) */
    KOU_MS_UNLOADED,      /* unloading and tally done (import) */
    KOU_MS_DECLARED,      /* declaration lodged (may precede arrival) */
    KOU_MS_BORDER_DONE,   /* border-station formalities done (rail) */
    KOU_MS_DOC_CHECKED,   /* document check / risk assessment done */
    KOU_MS_CERTS_DONE,    /* supervision certificates verified */
    KOU_MS_SCAN_DONE,     /* machine (NII) scan done */
    KOU_MS_INSPECT_START, /* manual inspection started */
    KOU_MS_INSPECT_END,   /* manual inspection ended */
    KOU_MS_LAB_RESULT,    /* lab result known */
    KOU_MS_DUTY_PAID,     /* duty paid or guaranteed */
    KOU_MS_RELEASED,      /* customs release */
    KOU_MS_PICKUP,        /* import: picked up at the port; export: loaded */
    KOU_MS_GATE_OUT,      /* import: gate-out; export: carrier departed */
    KOU_MS_COUNT
} kou_milestone;

/* Consignment flags (bit set). */
enum {
    KOU_FLAG_ADVANCE = 1u << 0,   /* declared before arrival */
    KOU_FLAG_INSPECTED = 1u << 1, /* selected for inspection */
    KOU_FLAG_SCANNED = 1u << 2,
    KOU_FLAG_SCAN_CLEARED = 1u << 3, /* released on the scan image alone */
    KOU_FLAG_MANUAL = 1u << 4,    /* manual inspection */
    KOU_FLAG_JOINT = 1u << 5,     /* customs + border inspection in one visit */
    KOU_FLAG_LAB = 1u << 6,
    KOU_FLAG_APRON = 1u << 7,     /* inspected and released at the apron */
    KOU_FLAG_THROUGH = 1u << 8,   /* rail through-clearance */
    KOU_FLAG_GREEN = 1u << 9,     /* green-channel priority */
    KOU_FLAG_DUTY = 1u << 10      /* has duty to pay */
};
enum { KOU_FLAG_COUNT = 11 }; /* bits in use; their names: params.h */

/* Count distributions (units per carrier, consignments per unit) are
** rounded to the nearest integer, at least 1. Every time distribution must
** have no negative values (checked by kou_model_validate). */

/* ---- goods and traders ---- */
typedef struct kou_goods_config {
    const char *name;       /* "general", "fresh", "minerals", "ecommerce", ... */
    double share;           /* weight within the flow's goods mix */
    bool apron_eligible;    /* may be inspected and released at the apron */
    bool green_channel;     /* priority in every queue */
    double lab_prob;        /* probability an inspected consignment is sampled */
    kou_dist_spec lab_time; /* hours until the lab result */
    double duty_prob;       /* probability the consignment owes duty */
    double extra_inspect_prob; /* added to the trader-class probability (risk) */
} kou_goods_config;

/* ---- a stream of carriers into or out of a port ---- */
typedef struct kou_flow_config {
    const char *name;            /* "freighter", "belly", "block train", ... */
    kou_mode mode;
    kou_direction direction;
    /* Arrivals: a weekly timetable (times in hours of the week from Monday
    ** 00:00) if ntimetable > 0, else a Poisson process with rates per hour
    ** of the week (168 values). */
    const double *timetable;
    size_t ntimetable;
    const double *rate_per_hour; /* 168 values, used when ntimetable == 0 */
    kou_dist_spec delay;         /* lateness added to timetable arrivals */
    kou_dist_spec units_per_carrier;
    kou_dist_spec consignments_per_unit;
    const kou_goods_config *goods; size_t ngoods;
    double trader_share[KOU_TRADER_COUNT];
    double handoff_hours_mean;   /* imports: onward hand-off (exponential mean)
                                    between PICKUP and the gate when the mode
                                    changes (0: none) */
    /* Exports: each consignment's goods reach the port goods_lead hours
    ** before the carrier's scheduled departure, cut to goods_window_hours
    ** (the earliest the terminal accepts cargo). Ignored for imports. */
    kou_dist_spec goods_lead;
    double goods_window_hours;
} kou_flow_config;

/* ---- a port of entry, with its levers ---- */
typedef struct kou_port_config {
    const char *name; /* "CGO", "ZZ rail", ... */
    const char *name_zh; /* in Chinese, for what is shown (kouan-viz); NULL: none */
    kou_mode mode;
    const kou_flow_config *flows; size_t nflows;

    /* Resources (index into resources[]): who does each stage. Every
    ** resource queues by priority (green-channel goods ask with
    ** green_priority, the rest with 0), FIFO within a priority. Work on a
    ** resource with a calendar pauses while it is closed and resumes at the
    ** next opening (kou_resource_work_end). */
    const kou_resource_spec *resources; size_t nresources;
    int res_handling;   /* unloading / tally / loading (cranes, forklifts, teams) */
    int res_documents;  /* document reviewers: document check + certificates */
    int res_scanner;    /* H986 / NII scanners (-1: none) */
    int res_inspection; /* customs inspection officers / bays */
    int res_border_insp;/* border (CIQ) inspection; -1 = same as customs */
    int res_apron;      /* apron teams (-1: no apron release possible) */
    int res_gate;       /* gate lanes (-1: no gate stage) */

    /* Stage times (hours). KOU_DIST_NONE means no time. */
    kou_dist_spec unload_per_unit;     /* handling per unit (exports: loading, shared
                                          by the unit's consignments) */
    kou_dist_spec prep_time;           /* arrival -> declaration (single window) */
    kou_dist_spec doc_check;           /* per declaration */
    kou_dist_spec cert_time;           /* per certificate (paper or online) */
    kou_dist_spec scan_time;
    kou_dist_spec notice_delay;        /* selection -> goods presented, per visit */
    kou_dist_spec inspect_time;        /* manual inspection, one visit */
    kou_dist_spec duty_time;           /* CERTS_DONE (tax bill) -> paid, pure delay */
    kou_dist_spec warehouse_move;      /* release -> ready for pickup (not at apron) */
    kou_dist_spec pickup_delay;        /* ready -> picked up / loaded */
    double pickup_cap_hours;           /* published terminal time limit on
                                          pickup_delay (0: none) */
    kou_dist_spec gate_time;
    kou_dist_spec border_time;         /* rail imports: border-station formalities */
    kou_dist_spec border_data_check;   /* rail through-clearance: data check only */

    /* Levers. */
    double advance_share;              /* share declared before arrival, [0, 1] */
    double advance_lead_hours;         /* how long before the scheduled arrival
                                          (exports: before the goods arrive) */
    double inspect_prob[KOU_TRADER_COUNT]; /* selection, plus goods extra_inspect_prob */
    double scan_first_share;           /* share of selected routed to the scanner */
    double scan_clear_prob;            /* scanned ones released on the image alone */
    double auto_review_share;          /* declarations accepted on automatic review */
    double two_step_share;             /* imports: declared in two steps (summary first), not
                                          discredited traders; their duty off the critical path */
    double two_step_prep_factor;       /* their preparation, as a share of prep_time, (0, 1] */
    bool joint_inspection;             /* one visit instead of customs then border */
    bool release_before_duty;          /* duty payment off the critical path */
    bool release_before_lab;           /* lab result off the critical path */
    bool apron_release;                /* apron_eligible goods inspected and released
                                          at res_apron, no warehouse move */
    bool through_clearance;            /* rail: border_data_check replaces border_time */
    double certs_per_consignment;      /* mean (Poisson), [0, 100] */
    int green_priority;                /* queue priority of green-channel goods */

    /* Fees (CNY), summed into record.cost: fee_handling_per_unit shared
    ** equally by the consignments of a unit; fee_inspection per manual
    ** inspection visit (two when sequential, one when joint); fee_scan per
    ** scan; fee_storage_per_day per started day of storage beyond
    ** storage_free_hours, from UNLOADED to GATE_OUT (exports: ARRIVAL to
    ** PICKUP). */
    double fee_handling_per_unit, fee_inspection, fee_scan, fee_storage_per_day;
    double storage_free_hours;
} kou_port_config;

/* Longest horizon a run accepts: 100 years of 365.25 days. */
#define KOU_MODEL_MAX_HORIZON_HOURS 876600.0

typedef struct kou_model_config {
    const kou_port_config *ports; size_t nports;
    kou_time warmup_hours;   /* consignments arriving earlier are not reported;
                                resource statistics start afresh here */
    kou_time horizon_hours;  /* arrivals stop here; the run drains the system;
                                at most KOU_MODEL_MAX_HORIZON_HOURS */
    uint64_t max_in_system;  /* guard: stop with an error above this (0: 10 million) */
    int32_t start_date;      /* YYYYMMDD of hour 0 as the scenario gives it, for the
                                record (--dump, /parameters; 0: not given);
                                kou_model_run takes the start date it uses */
    const char *name_zh;     /* the scenario's name in Chinese, for what is shown
                                (the run file's scenario_name_zh); NULL: none */
} kou_model_config;

#define KOU_MODEL_DEFAULT_MAX_IN_SYSTEM UINT64_C(10000000)

/* ---- what the model reports ---- */
typedef struct kou_consignment_record {
    /* Ids are (flow number + 1) * 2^40 + the entity's sequence number
    ** within its flow (flows numbered across ports in configuration
    ** order, from 0): unique in a run, and the same consignment has the
    ** same id in a baseline and a reform, for paired comparisons. */
    uint64_t id, carrier_id, unit_id;
    uint16_t port, flow, goods;
    uint8_t mode, direction, trader;
    uint32_t flags;
    kou_time t[KOU_MS_COUNT]; /* NaN where a milestone did not happen */
    double cost;
} kou_consignment_record;

/* What one resource of one port did over the reporting window, from
** warmup_hours (its statistics are reset then) to the end of the drain.
** Utilisation counts work, not holding: a job paused over a closed night
** holds its server but works only while the calendar is open, so
** utilisation = work hours done in the window / server-hours open in it
** (the integral of the calendar's capacity). It is in [0, 1] except for
** overtime: work carried on by servers beyond a shift's reduced capacity
** (the resource never takes a server away from work in progress). */
typedef struct kou_resource_report {
    uint16_t port;        /* index into cfg->ports */
    const char *name;     /* the kou_resource_spec's name (the config's string) */
    double capacity_mean; /* servers open, averaged over the whole window
                             (closed hours count 0) */
    double utilisation;   /* see above; NaN when never open in the window */
    double mean_queue;    /* requests waiting, time-averaged over the window */
    double mean_wait;     /* hours from request to grant, mean over requests
                             granted in the window; NaN when none */
    uint64_t served;      /* services completed in the window */
} kou_resource_report;

/* A carrier (flight, train, truck) when it is done with the port: import,
** when its last unit is unloaded; export, when it departs. Reported like
** consignments only when its actual arrival (import) or due departure
** (export) is at or after warmup_hours. */
typedef struct kou_carrier_record {
    uint64_t id;          /* (flow number + 1) * 2^40 + sequence, as consignments */
    uint16_t port, flow;
    uint8_t mode, direction;
    uint32_t units, consignments;
    kou_time scheduled;   /* timetable / Poisson time of arrival or departure */
    kou_time actual;      /* actual arrival (import) / due departure (export) */
    kou_time done;        /* import: last unit unloaded; export: departed (may
                             be after actual: a departure waits for its cargo) */
} kou_carrier_record;

/* A unit (ULD, container, truck load) when it is done: import, unloaded;
** export, its carrier departs. Reported when its carrier is. */
typedef struct kou_unit_record {
    uint64_t id, carrier_id;
    uint16_t port, flow;
    uint8_t mode, direction;
    uint32_t consignments;
    kou_time arrival;     /* the carrier's actual arrival / due departure */
    kou_time done;        /* import: unloaded; export: the carrier departed */
} kou_unit_record;

/* One replication as its observer sees it (sim_ready). */
typedef struct kou_model_run_view kou_model_run_view;

typedef struct kou_model_observer {
    void *ctx;
    /* Called once per consignment when it leaves the system (gated out or
    ** departed, and its lab and duty branches ended), in event order; rec
    ** is valid only during the call. */
    void (*consignment_done)(void *ctx, const kou_consignment_record *rec);
    /* Optional (may be NULL). Called once per resource of every port, in
    ** port order then resource order, at the end of a successful
    ** kou_model_run, after the drain; r is valid only during the call. */
    void (*resource_done)(void *ctx, const kou_resource_report *r);
    /* Optional (may be NULL). Called once per replication, after the model
    ** has built its kernel objects in sim and scheduled its first events,
    ** before the run: the caller may schedule events of its own in sim and
    ** use the model's resources (kou_model_find_resource) from them, during
    ** this run only. The model owns sim and its resources and frees them
    ** when kou_model_run returns: whatever the caller keeps of them is
    ** invalid after that. With sim_ready set, the run ends as soon as the
    ** system has drained (arrivals over, no consignment left), whatever of
    ** the caller's events is still pending; it fails with KOU_ESTATE if the
    ** caller stops the simulation (kou_sim_stop) before that, or if the
    ** system has not drained KOU_MODEL_MAX_HORIZON_HOURS after the horizon
    ** (servers held for ever). Without it the run ends when the events run
    ** out, as before. */
    void (*sim_ready)(void *ctx, kou_sim *sim, const kou_model_run_view *view);
    /* Optional (may be NULL): a carrier / unit is done (records above),
    ** in event order; rec is valid only during the call. */
    void (*carrier_done)(void *ctx, const kou_carrier_record *rec);
    void (*unit_done)(void *ctx, const kou_unit_record *rec);
} kou_model_observer;

/* During sim_ready and the run it starts: port 'port''s resource named
** 'resource' (the kou_resource_spec's name) in this replication's
** simulation, or NULL if there is none. */
kou_resource *kou_model_find_resource(const kou_model_run_view *view, const char *port,
                                      const char *resource);

/* During sim_ready and the run it starts: the number of resources of all
** ports, and the i-th of them (port order, then resource order; i below
** the count, else NULL) with its port index and name (the config's
** strings; port / name may be NULL). */
size_t kou_model_resource_count(const kou_model_run_view *view);
kou_resource *kou_model_resource_at(const kou_model_run_view *view, size_t i, size_t *port,
                                    const char **name);

/* What one replication did, in small counts. */
typedef struct kou_model_totals {
    uint64_t carriers;       /* carriers generated (arrivals and departures) */
    uint64_t units;
    uint64_t consignments;   /* consignments generated */
    uint64_t reported;       /* passed to consignment_done (arrived after warm-up) */
    uint64_t finished;       /* left the system (reported or not) */
    uint64_t events;         /* kernel events fired */
    uint64_t peak_in_system; /* most consignments in the system at once */
    kou_time end_time;       /* clock when the system had drained */
} kou_model_totals;

/* Checks every value of cfg against its allowed range, every distribution
** spec (by building it in a scratch simulation, so the kernel's own checks
** and messages apply), every calendar and every resource index. Returns
** KOU_OK, or KOU_EINVAL with a message in err (if not NULL) naming the
** port, flow, goods or resource, the field and the allowed range, e.g.
** "port 'CGO': advance_share must be in [0, 1] (got 1.5)". */
kou_status kou_model_validate(const kou_model_config *cfg, char *err, size_t errlen);

/* Runs one replication: validates cfg, builds a simulation with this seed
** and start date (YYYYMMDD of hour 0), generates carriers until
** horizon_hours, runs the flow until the system has drained, and calls
** obs->consignment_done once per finished consignment that arrived at or
** after warmup_hours (obs or its callback may be NULL), then, if the run
** succeeded, obs->resource_done once per resource (may be NULL). totals
** may be NULL.
** Errors: KOU_EINVAL for a bad configuration; KOU_ENOMEM when more than
** max_in_system consignments would be in the system at once (the ports
** cannot keep up, or the limit is too low); KOU_EINVAL/KOU_ESTATE for a
** kernel failure during the run (a resource that never opens again). The
** message goes to err. Thread-safe across different calls: the config is
** only read. */
kou_status kou_model_run(const kou_model_config *cfg, uint64_t seed, int32_t start_date,
                         const kou_model_observer *obs, kou_model_totals *totals,
                         char *err, size_t errlen);

/* "ARRIVAL", "UNLOADED", ... for a milestone; "?" out of range (the names
** of every enumeration live in model/params.h, with this one). */
const char *kou_milestone_name(kou_milestone m);

#endif
