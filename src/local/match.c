/*
 * match.c - topic matchers of the local bus: msgbus's own regex subset (for
 * C libraries without regex.h, e.g. picolibc) and the C library's POSIX
 * extended regular expressions where they exist.
 *
 * The subset (grammar in docs/local.md): literals, `\` escapes, `.`, `*`,
 * `+`, `?`, bracket classes `[a-z]` `[^...]`, `^`, `$`, alternation `|` and
 * grouping `( )`. The pattern is compiled without recursion, in one pass of
 * the shunting-yard algorithm whose output drives a Thompson NFA builder,
 * into a state table on the caller's stack; the NFA is then run over the
 * topic in lock step (a set of live states per input byte, each state added
 * at most once per byte), so time is bounded by topic length times state
 * count. Matching is a search, as regexec's is: anywhere unless anchored.
 *
 * Calls go: local.c -> mb_match_subset() / mb_match_posix().
 */
#include <stdint.h>
#include <string.h>

#include "local/match.h"
#include "msgbus/config_defaults.h"
#include "msgbus/error.h"

#if MSGBUS_CFG_LOCAL_REGEX_POSIX
#include <regex.h>
#endif

#if MSGBUS_CFG_LOCAL

enum { MB_RE_STATES = MSGBUS_CFG_LOCAL_PATTERN_LEN + 2, MB_RE_CLASSES = 4, MB_RE_NIL = 0xffff };

/* NFA state kinds; the operator-stack tokens follow them. */
enum { S_CHAR, S_ANY, S_CLASS, S_BOL, S_EOL, S_SPLIT, S_MATCH };
enum { O_LPAREN, O_ALT, O_CAT };

typedef struct mb_nstate {
    uint8_t op, arg;
    uint16_t out, out1; /* next states; while dangling, links of a patch list */
} mb_nstate;

typedef struct mb_frag {
    uint16_t start, outs; /* outs: patch list head, state * 2 + (0: out, 1: out1) */
} mb_frag;

typedef struct mb_re {
    mb_nstate st[MB_RE_STATES];
    uint8_t cls[MB_RE_CLASSES][32];
    mb_frag fr[MB_RE_STATES];
    uint8_t ops[MB_RE_STATES];
    unsigned n_st, n_cls, n_fr, n_ops;
    uint16_t start;
    int bad;
} mb_re;

/* ---- the builder: Thompson construction over a fragment stack ---------- */

static uint16_t *link_of(mb_re *re, uint16_t ref)
{
    return (ref & 1u) ? &re->st[ref >> 1].out1 : &re->st[ref >> 1].out;
}

static void patch(mb_re *re, uint16_t list, uint16_t target)
{
    while (list != MB_RE_NIL) {
        uint16_t *p = link_of(re, list);
        list = *p;
        *p = target;
    }
}

static uint16_t append(mb_re *re, uint16_t l1, uint16_t l2)
{
    uint16_t l = l1;
    if (l1 == MB_RE_NIL)
        return l2;
    while (*link_of(re, l) != MB_RE_NIL)
        l = *link_of(re, l);
    *link_of(re, l) = l2;
    return l1;
}

static uint16_t new_state(mb_re *re, uint8_t op, uint8_t arg, uint16_t out)
{
    mb_nstate *s;
    if (re->n_st >= MB_RE_STATES) {
        re->bad = 1;
        return 0;
    }
    s = &re->st[re->n_st];
    s->op = op;
    s->arg = arg;
    s->out = out;
    s->out1 = MB_RE_NIL;
    return (uint16_t)re->n_st++;
}

static void push_frag(mb_re *re, uint16_t start, uint16_t outs)
{
    if (re->bad || re->n_fr >= MB_RE_STATES) {
        re->bad = 1;
        return;
    }
    re->fr[re->n_fr].start = start;
    re->fr[re->n_fr].outs = outs;
    re->n_fr++;
}

static int pop_frag(mb_re *re, mb_frag *f)
{
    if (re->bad || re->n_fr == 0) {
        re->bad = 1;
        return 0;
    }
    *f = re->fr[--re->n_fr];
    return 1;
}

static void emit_atom(mb_re *re, uint8_t op, uint8_t arg)
{
    uint16_t s = new_state(re, op, arg, MB_RE_NIL);
    push_frag(re, s, (uint16_t)(s * 2u));
}

static void emit_binary(mb_re *re, uint8_t op)
{
    mb_frag a, b;
    uint16_t s;
    if (!pop_frag(re, &b) || !pop_frag(re, &a))
        return;
    if (op == O_CAT) {
        patch(re, a.outs, b.start);
        push_frag(re, a.start, b.outs);
        return;
    }
    s = new_state(re, S_SPLIT, 0, a.start);
    re->st[s].out1 = b.start;
    push_frag(re, s, append(re, a.outs, b.outs));
}

/* `*`, `+` or `?` applied to the fragment on top. */
static void emit_repeat(mb_re *re, char q)
{
    mb_frag e;
    uint16_t s;
    if (!pop_frag(re, &e))
        return;
    s = new_state(re, S_SPLIT, 0, e.start);
    if (re->bad)
        return;
    if (q == '?') {
        push_frag(re, s, append(re, e.outs, (uint16_t)(s * 2u + 1u)));
        return;
    }
    patch(re, e.outs, s);
    push_frag(re, q == '*' ? s : e.start, (uint16_t)(s * 2u + 1u));
}

/* ---- the parser: shunting-yard over the pattern's tokens --------------- */

static void push_op(mb_re *re, uint8_t op)
{
    /* left-associative: pop operators binding at least as tightly */
    while (op != O_LPAREN && re->n_ops > 0 && re->ops[re->n_ops - 1] != O_LPAREN &&
           re->ops[re->n_ops - 1] >= op)
        emit_binary(re, re->ops[--re->n_ops]);
    if (re->n_ops >= MB_RE_STATES) {
        re->bad = 1;
        return;
    }
    re->ops[re->n_ops++] = op;
}

static void close_paren(mb_re *re)
{
    while (re->n_ops > 0 && re->ops[re->n_ops - 1] != O_LPAREN)
        emit_binary(re, re->ops[--re->n_ops]);
    if (re->n_ops == 0)
        re->bad = 1; /* `)` without `(` */
    else
        re->n_ops--;
}

/* Parse a bracket class at p (just after `[`); returns the byte after `]`. */
static const char *parse_class(mb_re *re, const char *p)
{
    uint8_t *set;
    int neg = 0, first = 1, i;
    if (re->n_cls >= MB_RE_CLASSES) {
        re->bad = 1;
        return p;
    }
    set = re->cls[re->n_cls];
    memset(set, 0, 32);
    if (*p == '^') {
        neg = 1;
        p++;
    }
    for (; *p && (*p != ']' || first); p++, first = 0) {
        unsigned lo = (unsigned char)*p, hi = lo, c;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = (unsigned char)p[2];
            p += 2;
        }
        if (hi < lo) {
            re->bad = 1;
            return p;
        }
        for (c = lo; c <= hi; c++)
            set[c >> 3] = (uint8_t)(set[c >> 3] | (1u << (c & 7u)));
    }
    if (*p != ']') {
        re->bad = 1;
        return p;
    }
    if (neg)
        for (i = 0; i < 32; i++)
            set[i] = (uint8_t)~set[i];
    emit_atom(re, S_CLASS, (uint8_t)re->n_cls++);
    return p + 1;
}

/* One token at p; *operand says whether the last token ended an operand. */
static const char *parse_token(mb_re *re, const char *p, int *operand)
{
    char c = *p++;
    int was = *operand;
    if (c == '*' || c == '+' || c == '?') {
        if (!was)
            re->bad = 1; /* nothing to repeat */
        else
            emit_repeat(re, c);
        return p;
    }
    if (c == '|' || c == ')') {
        if (!was)
            re->bad = 1; /* an empty branch or group */
        else if (c == '|')
            push_op(re, O_ALT);
        else
            close_paren(re);
        *operand = c == ')';
        return p;
    }
    if (c == '{') {
        re->bad = 1; /* intervals are not in the subset */
        return p;
    }
    if (was)
        push_op(re, O_CAT);
    *operand = 1;
    if (c == '(') {
        push_op(re, O_LPAREN);
        *operand = 0;
    } else if (c == '[') {
        p = parse_class(re, p);
    } else if (c == '.' || c == '^' || c == '$') {
        emit_atom(re, c == '.' ? S_ANY : c == '^' ? S_BOL : S_EOL, 0);
    } else if (c == '\\') {
        if (*p == '\0')
            re->bad = 1;
        else
            emit_atom(re, S_CHAR, (uint8_t)*p++);
    } else {
        emit_atom(re, S_CHAR, (uint8_t)c);
    }
    return p;
}

static int compile(mb_re *re, const char *pattern)
{
    const char *p = pattern;
    int operand = 0;
    mb_frag f;
    memset(re, 0, sizeof *re);
    while (*p && !re->bad)
        p = parse_token(re, p, &operand);
    if (!re->bad && *pattern && !operand)
        re->bad = 1; /* ends in `|` or `(` */
    while (!re->bad && re->n_ops > 0) {
        uint8_t op = re->ops[--re->n_ops];
        if (op == O_LPAREN)
            re->bad = 1;
        else
            emit_binary(re, op);
    }
    re->start = new_state(re, S_MATCH, 0, MB_RE_NIL);
    if (re->bad)
        return MSGBUS_ERR_BAD_PATTERN;
    if (re->n_fr == 0)
        return 0; /* the empty pattern matches everything */
    if (!pop_frag(re, &f) || re->n_fr != 0)
        return MSGBUS_ERR_BAD_PATTERN;
    patch(re, f.outs, re->start);
    re->start = f.start;
    return 0;
}

/* ---- the simulation: live state sets, one step per topic byte ---------- */

typedef struct mb_sim {
    uint8_t list[2][MB_RE_STATES];
    unsigned n[2];
    uint8_t mark[MB_RE_STATES]; /* step number + 1 that last added each state */
    uint16_t stack[MB_RE_STATES * 2 + 2];
} mb_sim;

/* Add state s and everything reachable without input at position pos. */
static void add_state(const mb_re *re, mb_sim *m, int which, uint16_t s, size_t pos, size_t len,
                      uint8_t step)
{
    unsigned sp = 0;
    m->stack[sp++] = s;
    while (sp > 0) {
        const mb_nstate *st;
        s = m->stack[--sp];
        if (s == MB_RE_NIL || m->mark[s] == step)
            continue;
        m->mark[s] = step;
        st = &re->st[s];
        if (st->op == S_SPLIT) {
            m->stack[sp++] = st->out1;
            m->stack[sp++] = st->out;
        } else if (st->op == S_BOL) {
            if (pos == 0)
                m->stack[sp++] = st->out;
        } else if (st->op == S_EOL) {
            if (pos == len)
                m->stack[sp++] = st->out;
        } else {
            m->list[which][m->n[which]++] = (uint8_t)s;
        }
    }
}

static int step_accepts(const mb_re *re, const mb_nstate *st, unsigned char c)
{
    (void)re;
    switch (st->op) {
    case S_CHAR:
        return st->arg == c;
    case S_ANY:
        return 1;
    case S_CLASS:
        return (re->cls[st->arg][c >> 3] >> (c & 7u)) & 1u;
    default:
        return 0;
    }
}

static int has_match(const mb_re *re, const mb_sim *m, int which)
{
    unsigned i;
    for (i = 0; i < m->n[which]; i++)
        if (re->st[m->list[which][i]].op == S_MATCH)
            return 1;
    return 0;
}

static int run(const mb_re *re, const char *topic)
{
    mb_sim m;
    size_t len = strlen(topic), i;
    int cur = 0;
    uint8_t step = 1;
    memset(&m, 0, sizeof m);
    add_state(re, &m, cur, re->start, 0, len, step);
    for (i = 0; i < len; i++) {
        unsigned k;
        if (has_match(re, &m, cur))
            return 1;
        step = (uint8_t)(step == 255 ? 1 : step + 1);
        if (step == 1)
            memset(m.mark, 0, sizeof m.mark);
        m.n[!cur] = 0;
        for (k = 0; k < m.n[cur]; k++) {
            const mb_nstate *st = &re->st[m.list[cur][k]];
            if (step_accepts(re, st, (unsigned char)topic[i]))
                add_state(re, &m, !cur, st->out, i + 1, len, step);
        }
        add_state(re, &m, !cur, re->start, i + 1, len, step); /* a search: start anywhere */
        cur = !cur;
    }
    return has_match(re, &m, cur);
}

int mb_match_subset(const char *pattern, const char *topic)
{
    mb_re re;
    int rc;
    if (!pattern || !topic)
        return MSGBUS_ERR_INVALID_ARG;
    rc = compile(&re, pattern);
    return rc ? rc : run(&re, topic);
}

int mb_match_posix(const char *pattern, const char *topic)
{
#if MSGBUS_CFG_LOCAL_REGEX_POSIX
    regex_t re;
    int rc;
    if (!pattern || !topic)
        return MSGBUS_ERR_INVALID_ARG;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return MSGBUS_ERR_BAD_PATTERN;
    rc = regexec(&re, topic, 0, NULL, 0) == 0;
    regfree(&re);
    return rc;
#else
    (void)pattern;
    (void)topic;
    return MSGBUS_ERR_NOT_BUILT;
#endif
}

#else
typedef int mb_local_left_out; /* C11 wants a declaration in every file */
#endif /* MSGBUS_CFG_LOCAL */
