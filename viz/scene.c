/*
** scene.c — frame geometry and label texts (scene.h).
*/
#include "scene.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"

#define HEADER_H 56
#define TIMELINE_H 48
#define PANE_TITLE_H 24
#define STAGE_NAMES_H 30
#define GAUGE_NAME_H 11
#define METER_H 4

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The legend strip above the timeline: its grid, and its height (none when
** legend_lines is 0). */
static void legend_make(viz_layout *l, int legend_lines)
{
    if (legend_lines <= 0)
        return;
    l->legend_lines = legend_lines > 2 ? 2 : legend_lines;
    l->legend_cols = l->width >= 1200 ? 4 : 2;
    l->legend_rows = (VIZ_LEGEND_ITEMS + l->legend_cols - 1) / l->legend_cols;
    int h = 8 + l->legend_rows * (l->legend_lines * VIZ_LEGEND_LINE_H + 4);
    l->legend = (viz_rect){0, l->timeline.y - h, l->width, h};
}

viz_rect viz_legend_cell(const viz_layout *l, int item)
{
    if (l->legend.h <= 0 || item < 0 || item >= VIZ_LEGEND_ITEMS)
        return (viz_rect){0, 0, 0, 0};
    int col = item % l->legend_cols, row = item / l->legend_cols;
    int x0 = l->legend.x + 8 + (l->legend.w - 16) * col / l->legend_cols;
    int x1 = l->legend.x + 8 + (l->legend.w - 16) * (col + 1) / l->legend_cols;
    int row_h = l->legend_lines * VIZ_LEGEND_LINE_H + 4;
    return (viz_rect){x0, l->legend.y + 4 + row * row_h, x1 - x0 - 8, row_h};
}

int viz_legend_lines(bool on, viz_lang lang)
{
    return !on ? 0 : lang == VIZ_LANG_BOTH ? 2 : 1;
}

viz_layout viz_layout_make(int width, int height, int npanes, const size_t *nports, int legend_lines)
{
    viz_layout l;
    memset(&l, 0, sizeof l);
    npanes = clampi(npanes, 1, VIZ_MAX_PANES);
    l.width = width;
    l.height = height;
    l.npanes = npanes;
    l.header = (viz_rect){0, 0, width, HEADER_H};
    l.timeline = (viz_rect){0, height - TIMELINE_H, width, TIMELINE_H};
    legend_make(&l, legend_lines);
    int body_y = HEADER_H, body_h = height - HEADER_H - TIMELINE_H - l.legend.h;
    for (int i = 0; i < npanes; i++) {
        viz_pane_layout *p = &l.pane[i];
        int x0 = width * i / npanes, x1 = width * (i + 1) / npanes;
        p->pane = (viz_rect){x0, body_y, x1 - x0, body_h};
        p->nports = nports[i] ? nports[i] : 1;
        int kpi_w = clampi(p->pane.w * 24 / 100, 200, 300);
        p->kpi = (viz_rect){x1 - kpi_w, body_y, kpi_w, body_h};
        p->title = (viz_rect){x0, body_y, p->pane.w - kpi_w, PANE_TITLE_H};
        p->stage_names = (viz_rect){x0, body_y + PANE_TITLE_H, p->pane.w - kpi_w, STAGE_NAMES_H};
        int lanes_y = body_y + PANE_TITLE_H + STAGE_NAMES_H;
        p->lanes = (viz_rect){x0, lanes_y, p->pane.w - kpi_w, body_y + body_h - lanes_y};
        p->lane_h = p->lanes.h / (int)p->nports;
        p->label_w = clampi(p->lanes.w * 15 / 100, 84, 150);
        p->stage_w = (p->lanes.w - p->label_w) / VIZ_ST_COUNT;
    }
    return l;
}

viz_rect viz_lane(const viz_layout *l, int pane, size_t port)
{
    const viz_pane_layout *p = &l->pane[pane];
    return (viz_rect){p->lanes.x, p->lanes.y + (int)port * p->lane_h, p->lanes.w, p->lane_h};
}

viz_rect viz_lane_label(const viz_layout *l, int pane, size_t port)
{
    viz_rect r = viz_lane(l, pane, port);
    r.w = l->pane[pane].label_w;
    return r;
}

/* A stage's column in a lane: the dot box takes the upper 62 %, the gauge
** strip the rest, with a 2-pixel gutter all round. */
static viz_rect column(const viz_layout *l, int pane, size_t port, int stage)
{
    const viz_pane_layout *p = &l->pane[pane];
    viz_rect lane = viz_lane(l, pane, port);
    return (viz_rect){lane.x + p->label_w + stage * p->stage_w + 2, lane.y + 2, p->stage_w - 4, lane.h - 4};
}

viz_rect viz_stage_box(const viz_layout *l, int pane, size_t port, int stage)
{
    viz_rect c = column(l, pane, port, stage);
    c.h = c.h * 62 / 100;
    return c;
}

viz_rect viz_stage_dots(const viz_layout *l, int pane, size_t port, int stage)
{
    viz_rect b = viz_stage_box(l, pane, port, stage);
    const int label = 14; /* the count on the box's top line */
    return (viz_rect){b.x + 2, b.y + label, b.w - 4, b.h - label - 2};
}

size_t viz_dot_capacity(viz_rect dots)
{
    int cols = dots.w / VIZ_DOT_PITCH, rows = dots.h / VIZ_DOT_PITCH;
    return cols > 0 && rows > 0 ? (size_t)cols * (size_t)rows : 0;
}

void viz_dot_position(viz_rect dots, size_t k, int *x, int *y)
{
    int cols = dots.w / VIZ_DOT_PITCH;
    if (cols < 1)
        cols = 1;
    *x = dots.x + (int)(k % (size_t)cols) * VIZ_DOT_PITCH;
    *y = dots.y + dots.h - (int)(k / (size_t)cols + 1) * VIZ_DOT_PITCH;
}

static int port_direction(const kou_replay *rp, size_t port)
{
    for (size_t f = 0; f < rp->nflows; f++)
        if (rp->flows[f].port == (int)port)
            return rp->flows[f].direction;
    return 0;
}

int viz_resource_stage(const kou_replay *rp, size_t r)
{
    const char *n = rp->resources[r].name;
    if (strcmp(n, "handling") == 0)
        return port_direction(rp, (size_t)rp->resources[r].port) == 0 ? VIZ_ST_UNLOAD : VIZ_ST_PICKUP;
    if (strcmp(n, "documents") == 0 || strcmp(n, "ciq") == 0)
        return VIZ_ST_DOCS;
    if (strcmp(n, "scanner") == 0)
        return VIZ_ST_SCAN;
    if (strcmp(n, "inspection") == 0 || strcmp(n, "apron") == 0)
        return VIZ_ST_INSPECT;
    if (strcmp(n, "gate") == 0)
        return VIZ_ST_PICKUP;
    return VIZ_ST_RELEASE;
}

viz_rect viz_resource_gauge(const viz_layout *l, int pane, const kou_replay *rp, size_t r)
{
    size_t port = (size_t)rp->resources[r].port;
    int stage = viz_resource_stage(rp, r);
    /* Resources sharing a stage split its strip, in resource order. */
    int slot = 0, slots = 0;
    for (size_t i = 0; i < rp->nresources; i++)
        if ((size_t)rp->resources[i].port == port && viz_resource_stage(rp, i) == stage) {
            if (i < r)
                slot++;
            slots++;
        }
    viz_rect c = column(l, pane, port, stage);
    int top = c.h * 62 / 100 + 2;
    viz_rect strip = {c.x, c.y + top, c.w, c.h - top};
    int w = strip.w / (slots ? slots : 1);
    return (viz_rect){strip.x + slot * w, strip.y, w - 1, strip.h};
}

viz_rect viz_gauge_name(viz_rect g)
{
    return (viz_rect){g.x, g.y, g.w, GAUGE_NAME_H};
}

viz_rect viz_gauge_bar_area(viz_rect g)
{
    return (viz_rect){g.x + 2, g.y + GAUGE_NAME_H, g.w - 4, g.h - GAUGE_NAME_H - METER_H - 1};
}

viz_rect viz_gauge_meter(viz_rect g)
{
    return (viz_rect){g.x + 2, g.y + g.h - METER_H, g.w - 4, METER_H};
}

int viz_bar_height(viz_rect bar_area, unsigned queue, unsigned scale)
{
    if (scale == 0 || bar_area.h <= 0)
        return 0;
    double f = queue >= scale ? 1.0 : (double)queue / scale;
    return (int)lround(f * bar_area.h);
}

/* ---- labels ---- */

typedef struct label {
    const char *key, *zh, *en, *both;
} label;

static const label labels[] = {
    {"stage0", "卸货", "Unloading", "卸货 Unloading"},
    {"stage1", "申报", "Declaration", "申报 Declaration"},
    {"stage2", "口岸站", "Border station", "口岸站 Border"},
    {"stage3", "审单", "Documents", "审单 Documents"},
    {"stage4", "机检", "Scan", "机检 Scan"},
    {"stage5", "查验", "Inspection", "查验 Inspection"},
    {"stage6", "缴税", "Payment", "缴税 Payment"},
    {"stage7", "放行", "Release", "放行 Release"},
    {"stage8", "提离", "Pickup", "提离 Pickup"},
    /* ... and a word for a column too narrow for the name above. */
    {"stage0_short", "卸货", "Unload", "卸货 Unload"},
    {"stage1_short", "申报", "Declare", "申报 Declare"},
    {"stage2_short", "口岸站", "Border", "口岸站 Border"},
    {"stage3_short", "审单", "Docs", "审单 Docs"},
    {"stage4_short", "机检", "Scan", "机检 Scan"},
    {"stage5_short", "查验", "Inspect", "查验 Inspect"},
    {"stage6_short", "缴税", "Pay", "缴税 Pay"},
    {"stage7_short", "放行", "Release", "放行 Release"},
    {"stage8_short", "提离", "Pickup", "提离 Pickup"},
    {"mode0", "航空", "air", "航空 air"},
    {"mode1", "铁路", "rail", "铁路 rail"},
    {"mode2", "公路", "road", "公路 road"},
    {"wd0", "周一", "Mon", "周一 Mon"},
    {"wd1", "周二", "Tue", "周二 Tue"},
    {"wd2", "周三", "Wed", "周三 Wed"},
    {"wd3", "周四", "Thu", "周四 Thu"},
    {"wd4", "周五", "Fri", "周五 Fri"},
    {"wd5", "周六", "Sat", "周六 Sat"},
    {"wd6", "周日", "Sun", "周日 Sun"},
    {"import", "进口", "Import", "进口 Import"},
    {"export", "出口", "Export", "出口 Export"},
    {"in_system", "在港", "In port", "在港 In port"},
    {"cleared", "已放行", "cleared", "已放行 cleared"},
    {"mean", "平均", "mean", "平均 mean"},
    {"target", "目标", "target", "目标 target"},
    {"vs_left", "较左侧", "vs left", "较左侧 vs left"},
    {"mean_so_far", "累计平均", "mean so far", "累计平均 mean so far"},
    {"closed", "关闭", "closed", "关闭 closed"},
    {"paused", "暂停", "paused", "暂停 paused"},
    {"speed", "速度", "speed", "速度 speed"},
    {"hours", "小时", "h", "小时 h"},
    {"kpi", "通关指标", "Clearance KPIs", "通关指标 Clearance KPIs"},
    {"overall", "整体通关时间", "overall clearance time", "整体通关时间 overall clearance"},
    {"colour_mode", "颜色: 运输方式", "colour: mode", "颜色 colour: 运输方式 mode"},
    {"colour_goods", "颜色: 货物类别", "colour: goods", "颜色 colour: 货物 goods"},
    {"colour_status", "颜色: 查验状态", "colour: status", "颜色 colour: 状态 status"},
    {"inspected", "查验", "inspected", "查验 inspected"},
    {"scanned", "机检", "scanned", "机检 scanned"},
    {"advance", "提前申报", "advance decl.", "提前申报 advance"},
    {"other", "其他", "other", "其他 other"},
    {"following", "跟踪", "following", "跟踪 following"},
    {"arrived", "到达", "arrived", "到达 arrived"},
    {"released", "放行", "released", "放行 released"},
    {"not_arrived", "尚未到达", "not yet arrived", "尚未到达 not yet arrived"},
    {"left", "已离港", "has left", "已离港 has left"},
    {"help", "空格 播放/暂停  ←→ 跳转  ↑↓ 速度  N 下一事件  . 单步  C 颜色  L 语言  K 图例  F 跟踪  Q 退出",
     "Space play/pause  ←→ seek  ↑↓ speed  N next event  . step  C colour  L language  K legend  F follow  Q quit",
     "空格 Space 播放 play  ←→ 跳转 seek  ↑↓ 速度 speed  N 下一事件 next  C 颜色 colour  L 语言 lang  K 图例 legend  F 跟踪 follow"},
    /* Resources, by the model's names (scripts/kouan/ports.lua). */
    {"res_handling", "装卸", "handling", "装卸 handling"},
    {"res_documents", "审单", "documents", "审单 documents"},
    {"res_ciq", "检验检疫", "inspection & quarantine (CIQ)", "检验检疫 inspection & quarantine"},
    {"res_scanner", "机检设备", "scanner", "机检 scanner"},
    {"res_inspection", "查验", "inspection", "查验 inspection"},
    {"res_apron", "查验场地", "inspection apron", "场地 apron"},
    {"res_gate", "卡口", "gate", "卡口 gate"},
    /* ... and shorter, for a gauge too narrow for the name above. */
    {"res_handling_short", "装卸", "handling", "装卸"},
    {"res_documents_short", "审单", "docs", "审单"},
    {"res_ciq_short", "检疫", "quarantine", "检疫"},
    {"res_scanner_short", "机检", "scanner", "机检"},
    {"res_inspection_short", "查验", "inspect", "查验"},
    {"res_apron_short", "场地", "apron", "场地"},
    {"res_gate_short", "卡口", "gate", "卡口"},
    /* The legend, one line per language; what a frame shows, in plain words. */
    {"legend0", "每个点 = 一票货物，颜色见顶部图例", "each dot = one consignment, coloured as at the top", ""},
    {"legend1", "框内数字 = 此环节的货物票数（琥珀色：框已满）", "number = consignments at this step (amber: box full)",
     ""},
    {"legend2", "通关环节从左到右：到达 → 提离", "the steps run left to right, arrival to pickup", ""},
    {"legend3", "琥珀色条 = 等待人员或设备的排队", "amber bar = queue waiting for staff or equipment", ""},
    {"legend4", "蓝线 = 开放的人员/设备中正在工作的比例", "blue line = share of open staff/equipment at work", ""},
    {"legend5", "暗红框 = 关闭（非工作时间）", "reddish box = closed (outside working hours)", ""},
    {"legend6", "暗色框 = 此口岸不经过这一环节", "dark box = this port never uses this step", ""},
    {"legend7", "右侧：到达至放行的小时数，虚线 = 目标", "right: hours from arrival to release; dashes = targets",
     ""},
};

const char *viz_text(viz_lang lang, const char *key)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].key, key) == 0)
            return lang == VIZ_LANG_ZH ? labels[i].zh : lang == VIZ_LANG_EN ? labels[i].en : labels[i].both;
    return key;
}

const char *viz_stage_label(viz_lang lang, int stage)
{
    static const char *const keys[VIZ_ST_COUNT] = {"stage0", "stage1", "stage2", "stage3", "stage4",
                                                   "stage5", "stage6", "stage7", "stage8"};
    return stage >= 0 && stage < VIZ_ST_COUNT ? viz_text(lang, keys[stage]) : "?";
}

const char *viz_stage_short_label(viz_lang lang, int stage)
{
    static const char *const keys[VIZ_ST_COUNT] = {"stage0_short", "stage1_short", "stage2_short",
                                                   "stage3_short", "stage4_short", "stage5_short",
                                                   "stage6_short", "stage7_short", "stage8_short"};
    return stage >= 0 && stage < VIZ_ST_COUNT ? viz_text(lang, keys[stage]) : "?";
}

const char *viz_mode_label(viz_lang lang, int mode)
{
    static const char *const keys[3] = {"mode0", "mode1", "mode2"};
    return mode >= 0 && mode < 3 ? viz_text(lang, keys[mode]) : "?";
}

const char *viz_resource_label(viz_lang lang, const char *name, bool short_form)
{
    static const char *const names[] = {"handling", "documents", "ciq", "scanner", "inspection", "apron", "gate"};
    char key[48];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            snprintf(key, sizeof key, "res_%s%s", names[i], short_form ? "_short" : "");
            return viz_text(lang, key);
        }
    return name;
}

const char *viz_name_in(viz_lang lang, const char *name, const char *name_zh, char *buf, size_t size)
{
    bool zh = name_zh != NULL && *name_zh != '\0' && strcmp(name_zh, name) != 0;
    if (!zh || lang == VIZ_LANG_EN)
        snprintf(buf, size, "%s", name);
    else if (lang == VIZ_LANG_ZH)
        snprintf(buf, size, "%s", name_zh);
    else
        snprintf(buf, size, "%s %s", name_zh, name);
    return buf;
}

const char *viz_legend_text(viz_lang lang, int item)
{
    static const char *const keys[VIZ_LEGEND_ITEMS] = {"legend0", "legend1", "legend2", "legend3",
                                                       "legend4", "legend5", "legend6", "legend7"};
    return item >= 0 && item < VIZ_LEGEND_ITEMS ? viz_text(lang == VIZ_LANG_ZH ? VIZ_LANG_ZH : VIZ_LANG_EN, keys[item])
                                                : "?";
}

const char *viz_weekday_label(viz_lang lang, int weekday)
{
    static const char *const keys[7] = {"wd0", "wd1", "wd2", "wd3", "wd4", "wd5", "wd6"};
    return weekday >= 0 && weekday < 7 ? viz_text(lang, keys[weekday]) : "?";
}
