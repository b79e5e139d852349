/*
** lang.c — the en/zh words (lang.h).
*/
#include "model/lang.h"

#include <stddef.h>
#include <string.h>

const char *const kou_lang_names[KOU_LANG_COUNT] = {"en", "zh"};

static const char *const words[KOU_WORD_COUNT][KOU_LANG_COUNT] = {
    [KOU_W_PORT] = {"port", "口岸"},
    [KOU_W_DIRECTION] = {"direction", "方向"},
    [KOU_W_MODE] = {"mode", "运输方式"},
    [KOU_W_ALTERNATIVE] = {"alternative", "方案"},
    [KOU_W_REPLICATIONS] = {"replications", "重复次数"},
    [KOU_W_VERDICT_THIRD] = {"verdict -1/3", "结论 -1/3"},
    [KOU_W_VERDICT_HALF] = {"verdict -1/2", "结论 -1/2"},
    [KOU_W_HALF_WIDTH] = {"±95%", "±95%"},
    [KOU_W_VS_BASELINE] = {"vs baseline", "较基准"},
    [KOU_W_CHANGE] = {"change", "变化"},
    [KOU_W_METRIC] = {"metric", "指标"},
    [KOU_W_TARGET] = {"target overall_mean", "目标 整体通关时间均值"},
    [KOU_W_CONFIDENCE] = {" (95 % confidence)", "（95 % 置信）"},
    [KOU_W_ALTERNATIVES] = {" alternatives, baseline ", " 个方案，基准 "},
    [KOU_W_BASELINE_OF_TITLE] = {"vs", "对比"},
    [KOU_W_REPS_SEEDS] = {" replications, seeds ", " 次重复，随机种子 "},
    [KOU_W_CRN] = {", common random numbers (replication r of every alternative on seed + r)",
                   "，共同随机数（各方案第 r 次重复用种子 seed + r）"},
    [KOU_W_INDEPENDENT] = {", INDEPENDENT seeds per alternative (seed + r + a*2^32)",
                           "，各方案独立种子（seed + r + a*2^32）"},
    [KOU_W_LEFT_OUT] = {"left out: replication", "剔除的重复（在某方案上失败）："},
    [KOU_W_PCT_CHANGE] = {"% change", "变化 %"},
    [KOU_W_LEGEND] = {"mean ± t 95 % half-width over replications; vs baseline: paired difference (mean of "
                      "per-replication\ndifferences) and paired % change (mean of per-replication % changes), each "
                      "± t 95 % half-width\n",
                      "均值 ± t 95 % 半宽（各次重复）；较基准：配对差（各次重复之差的均值）与配对变化 %"
                      "（各次重复变化 % 的均值），\n均 ± t 95 % 半宽\n"},
    [KOU_W_SHEET_COMPARISON] = {"comparison", "方案比较"},
    [KOU_W_SHEET_PROVENANCE] = {"provenance", "来源"},
    [KOU_W_ITEM] = {"item", "项目"},
    [KOU_W_VALUE] = {"value", "内容"},
    [KOU_W_SCENARIO_FILES] = {"scenario files", "场景文件"},
    [KOU_W_ERAS] = {"eras", "年份（era）"},
    [KOU_W_SEED] = {"seed", "随机种子"},
    [KOU_W_RANDOM_NUMBERS] = {"random numbers", "随机数"},
    [KOU_W_VERSION] = {"kouan version", "kouan 版本"},
    [KOU_W_COMMIT] = {"commit", "提交"},
    [KOU_W_COMMAND_LINE] = {"command line", "命令行"},
    [KOU_W_FINISHED] = {"finished (UTC)", "完成时间（UTC）"},
    [KOU_W_FAILED] = {"failed replications", "失败的重复"},
    [KOU_W_STOPPING] = {"stopping", "停止规则"},
    [KOU_W_DRAW] = {"draw", "抽样"},
    [KOU_W_GROUP] = {"group", "口岸"},
    [KOU_W_SHEET_DRAWS] = {"draws", "各次抽样"},
    [KOU_W_DRAWS] = {"draws", "抽样次数"},
    [KOU_W_REPS_PER_DRAW] = {"replications per draw", "每次抽样的重复次数"},
};

/* The names kouan prints in English, with their Chinese. */
static const char *const names[][KOU_LANG_COUNT] = {
    {"import", "进口"},
    {"export", "出口"},
    {"air", "航空"},
    {"rail", "铁路"},
    {"road", "公路"},
    {"all modes", "全部方式"},
    {"all ports", "全部口岸"},
    {"met", "达到"},
    {"not met", "未达到"},
    {"undecided", "未定"},
    {"(no difference)", "（无差异）"},
    {"no difference", "无差异"},
    {"baseline", "基准"},
    {"overall_mean", "整体通关时间均值"},
    {"overall_median", "整体通关时间中位数"},
    {"overall_p90", "整体通关时间90分位"},
    {"customs_mean", "海关时间均值"},
    {"prep_mean", "准备时间均值"},
    {"inspection_rate", "查验率"},
    {"cost_mean", "平均费用"},
    {"h", "小时"},
    {"CNY", "元"},
};

const char *kou_word_in(kou_lang lang, kou_word w)
{
    if ((unsigned)w >= KOU_WORD_COUNT)
        return "?";
    return words[w][(unsigned)lang < KOU_LANG_COUNT ? lang : KOU_LANG_EN];
}

const char *kou_lang_name(kou_lang lang, const char *english)
{
    if (lang == KOU_LANG_EN || english == NULL)
        return english;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i][KOU_LANG_EN], english) == 0)
            return names[i][lang];
    return english;
}

const char *kou_lang_port(kou_lang lang, const char *english, const char *name_zh)
{
    if (lang != KOU_LANG_EN && name_zh && name_zh[0])
        return name_zh;
    return kou_lang_name(lang, english);
}
