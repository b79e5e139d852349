/*
** dump.c — see dump.h.
*/
#include "cmd/dump.h"

static const char *const dump_family[] = {"none", "fixed", "exponential", "erlang", "gamma", "lognormal",
                                          "weibull", "triangular", "uniform", "normal", "discrete",
                                          "piecewise"};
static const char *const dump_trader[] = {"aeo_advanced", "aeo_general", "ordinary", "discredited"};

static void dump_days(FILE *out, unsigned mask)
{
    static const char *const d[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    const char *sep = "";
    for (int i = 0; i < 7; i++)
        if (mask & (1u << i)) {
            fprintf(out, "%s%s", sep, d[i]);
            sep = ",";
        }
}

static void dump_dist(FILE *out, const char *indent, const char *name, const kou_dist_spec *d)
{
    if (d->family == KOU_DIST_NONE)
        return;
    fprintf(out, "%s%s = %s", indent, name,
            (unsigned)d->family < sizeof dump_family / sizeof *dump_family ? dump_family[d->family] : "?");
    if (d->family == KOU_DIST_DISCRETE || d->family == KOU_DIST_PIECEWISE) {
        for (size_t i = 0; i < d->n; i++)
            fprintf(out, " %g:%g", d->x[i], d->w[i]);
    } else {
        int np = d->family == KOU_DIST_DETERMINISTIC || d->family == KOU_DIST_EXPONENTIAL ? 1
                 : d->family == KOU_DIST_TRIANGULAR ? 3 : d->family == KOU_DIST_TRUNCNORMAL ? 4 : 2;
        for (int i = 0; i < np; i++)
            fprintf(out, " %g", d->p[i]);
    }
    fputc('\n', out);
}

/* long: kept as it was until the parameter table's printer replaces it (issue 12, item 1). */
void kou_dump_config(FILE *out, const kou_model_config *cfg, int32_t start_date)
{
    fprintf(out, "start_date %ld\nhorizon_hours %g\nwarmup_hours %g\nmax_in_system %llu\n",
            (long)start_date, cfg->horizon_hours, cfg->warmup_hours,
            (unsigned long long)cfg->max_in_system);
    static const char *const modes[] = {"air", "rail", "road"};
    static const char *const dirs[] = {"import", "export"};
    for (size_t i = 0; i < cfg->nports; i++) {
        const kou_port_config *p = &cfg->ports[i];
        fprintf(out, "port %s %s\n", p->name, modes[p->mode]);
        for (size_t j = 0; j < p->nresources; j++) {
            const kou_resource_spec *r = &p->resources[j];
            fprintf(out, "  resource %zu %s", j, r->name);
            if (r->nhours == 0)
                fprintf(out, " capacity %d", r->capacity);
            for (size_t k = 0; k < r->nhours; k++) {
                fputs(k ? "; " : " hours ", out);
                dump_days(out, r->hours[k].weekday_mask);
                fprintf(out, " %g-%g x%d", r->hours[k].start_h, r->hours[k].end_h, r->hours[k].capacity);
            }
            for (size_t k = 0; k < r->nholidays; k++)
                fprintf(out, "%s%ld", k ? "," : " holidays ", (long)r->holidays[k]);
            for (size_t k = 0; k < r->nworkdays; k++)
                fprintf(out, "%s%ld as %d", k ? "," : " workdays ", (long)r->workdays[k], r->workday_as[k]);
            fputc('\n', out);
        }
        fprintf(out, "  stages handling %d documents %d scanner %d inspection %d border_inspection %d "
                "apron %d gate %d\n", p->res_handling, p->res_documents, p->res_scanner, p->res_inspection,
                p->res_border_insp, p->res_apron, p->res_gate);
        const kou_dist_spec *ds[] = {&p->unload_per_unit, &p->prep_time, &p->doc_check, &p->cert_time,
                                     &p->scan_time, &p->notice_delay, &p->inspect_time, &p->duty_time,
                                     &p->warehouse_move, &p->pickup_delay, &p->gate_time, &p->border_time,
                                     &p->border_data_check};
        static const char *const dn[] = {"unload_per_unit", "prep_time", "doc_check", "cert_time",
                                         "scan_time", "notice_delay", "inspect_time", "duty_time",
                                         "warehouse_move", "pickup_delay", "gate_time", "border_time",
                                         "border_data_check"};
        for (size_t k = 0; k < sizeof ds / sizeof *ds; k++)
            dump_dist(out, "  ", dn[k], ds[k]);
        fprintf(out, "  advance_share %g advance_lead_hours %g scan_first_share %g scan_clear_prob %g "
                "certs_per_consignment %g green_priority %d pickup_cap_hours %g\n", p->advance_share,
                p->advance_lead_hours, p->scan_first_share, p->scan_clear_prob, p->certs_per_consignment,
                p->green_priority, p->pickup_cap_hours);
        fputs("  inspect_prob", out);
        for (int t = 0; t < KOU_TRADER_COUNT; t++)
            fprintf(out, " %s %g", dump_trader[t], p->inspect_prob[t]);
        fprintf(out, "\n  joint_inspection %d release_before_duty %d release_before_lab %d apron_release %d "
                "through_clearance %d\n", p->joint_inspection, p->release_before_duty, p->release_before_lab,
                p->apron_release, p->through_clearance);
        fprintf(out, "  fees handling_per_unit %g inspection %g scan %g storage_per_day %g storage_free_hours %g\n",
                p->fee_handling_per_unit, p->fee_inspection, p->fee_scan, p->fee_storage_per_day,
                p->storage_free_hours);
        for (size_t f = 0; f < p->nflows; f++) {
            const kou_flow_config *fl = &p->flows[f];
            fprintf(out, "  flow %s %s %s\n", fl->name, modes[fl->mode], dirs[fl->direction]);
            if (fl->ntimetable > 0) {
                fputs("    timetable", out);
                for (size_t k = 0; k < fl->ntimetable; k++)
                    fprintf(out, " %g", fl->timetable[k]);
                fputc('\n', out);
            } else {
                double sum = 0;
                for (int k = 0; k < 168; k++)
                    sum += fl->rate_per_hour[k];
                fprintf(out, "    rate_per_hour sum %g mon0 %g sun23 %g\n", sum, fl->rate_per_hour[0],
                        fl->rate_per_hour[167]);
            }
            dump_dist(out, "    ", "delay", &fl->delay);
            dump_dist(out, "    ", "units_per_carrier", &fl->units_per_carrier);
            dump_dist(out, "    ", "consignments_per_unit", &fl->consignments_per_unit);
            dump_dist(out, "    ", "goods_lead", &fl->goods_lead);
            fputs("    trader_share", out);
            for (int t = 0; t < KOU_TRADER_COUNT; t++)
                fprintf(out, " %s %g", dump_trader[t], fl->trader_share[t]);
            fprintf(out, "\n    handoff_hours_mean %g goods_window_hours %g\n", fl->handoff_hours_mean,
                    fl->goods_window_hours);
            for (size_t g = 0; g < fl->ngoods; g++) {
                const kou_goods_config *gd = &fl->goods[g];
                fprintf(out, "    goods %s share %g apron_eligible %d green_channel %d lab_prob %g duty_prob %g "
                        "extra_inspect_prob %g\n", gd->name, gd->share, gd->apron_eligible, gd->green_channel,
                        gd->lab_prob, gd->duty_prob, gd->extra_inspect_prob);
                dump_dist(out, "      ", "lab_time", &gd->lab_time);
            }
        }
    }
}
