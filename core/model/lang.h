/*
** lang.h — the words kouan shows a reader in English or Chinese (--lang en|zh):
** one table of en/zh pairs keyed by kou_word, for the compare table's
** headers, the wide CSV and .xlsx, and the names of directions, modes,
** verdicts and metrics, looked up by their English name. A port's name
** in Chinese is the scenario's own name_zh when it gives one, else the
** table's (全部口岸 for all ports), else the name as it is.
*/
#ifndef KOUAN_MODEL_LANG_H
#define KOUAN_MODEL_LANG_H

typedef enum kou_lang { KOU_LANG_EN, KOU_LANG_ZH, KOU_LANG_COUNT } kou_lang;

/* The names of --lang's values, in kou_lang order. */
extern const char *const kou_lang_names[KOU_LANG_COUNT];

typedef enum kou_word {
    /* the wide table's columns */
    KOU_W_PORT, KOU_W_DIRECTION, KOU_W_MODE, KOU_W_ALTERNATIVE, KOU_W_REPLICATIONS, KOU_W_VERDICT_THIRD,
    KOU_W_VERDICT_HALF, KOU_W_HALF_WIDTH, KOU_W_VS_BASELINE, KOU_W_CHANGE,
    /* the printed table */
    KOU_W_METRIC, KOU_W_TARGET, KOU_W_CONFIDENCE, KOU_W_ALTERNATIVES, KOU_W_BASELINE_OF_TITLE, KOU_W_REPS_SEEDS,
    KOU_W_CRN, KOU_W_INDEPENDENT, KOU_W_LEFT_OUT, KOU_W_LEGEND, KOU_W_PCT_CHANGE,
    /* the provenance sheet */
    KOU_W_SHEET_COMPARISON, KOU_W_SHEET_PROVENANCE, KOU_W_ITEM, KOU_W_VALUE, KOU_W_SCENARIO_FILES, KOU_W_ERAS,
    KOU_W_SEED, KOU_W_RANDOM_NUMBERS, KOU_W_VERSION, KOU_W_COMMIT, KOU_W_COMMAND_LINE, KOU_W_FINISHED,
    KOU_W_FAILED, KOU_W_STOPPING,
    /* compare --uncertainty's per-draw table (--csv, --xlsx) */
    KOU_W_DRAW, KOU_W_GROUP, KOU_W_SHEET_DRAWS, KOU_W_DRAWS, KOU_W_REPS_PER_DRAW,
    KOU_WORD_COUNT
} kou_word;

/* The word in lang. */
const char *kou_word_in(kou_lang lang, kou_word w);
/* A name kouan prints in English ("import", "rail", "all ports", "not
** met", "overall_mean", "h") in lang: the table's Chinese for it, else the
** name itself. */
const char *kou_lang_name(kou_lang lang, const char *english);
/* A port's name in lang: in English the name; in Chinese name_zh (the
** scenario's port's, NULL or "" when it gives none), else the table's
** Chinese for the name, else the name. */
const char *kou_lang_port(kou_lang lang, const char *english, const char *name_zh);

#endif
