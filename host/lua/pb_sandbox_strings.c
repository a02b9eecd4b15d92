/* pb_sandbox_strings.c: string.find, match, gmatch, gsub and rep for playbooks. The pattern
   language and every result are Lua 5.4's (manual section 6.4.1); what differs is that the
   matcher counts its steps and charges them to the sandbox's limits as it goes, so a
   backtracking pattern is stopped by the instruction budget, the time limit or a signal
   instead of running for hours inside C. Lua offers no hook into its own matcher, hence this
   file; tests/unit/test_sandbox.c compares it with Lua's on many patterns. */
#include "pb_sandbox_strings.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>

#include "pb_sandbox.h"

#define MAX_CAPTURES 32     /* LUA_MAXCAPTURES */
#define MAX_DEPTH 200       /* recursion of the matcher (Lua's MAXCCALLS) */
#define CAP_UNFINISHED (-1) /* a capture still open */
#define CAP_POSITION (-2)   /* a position capture "()" */
#define ESCAPE '%'
#define SPECIALS "^$*+?.([%-"
/* Steps are charged in batches of this many (the stop is noticed within one batch). */
#define CHARGE_EVERY 4096
/* Bytes copied per step charged by rep and gsub. */
#define BYTES_PER_STEP 64

typedef struct matcher {
    const char *src_init, *src_end; /* the subject */
    const char *p_end;              /* end of the pattern */
    lua_State *L;
    const char *fn;  /* "string.find", ... for the stop message */
    int depth;       /* recursion left */
    int level;       /* captures so far */
    long long steps; /* not yet charged */
    struct {
        const char *init;
        ptrdiff_t len; /* or CAP_UNFINISHED, CAP_POSITION */
    } capture[MAX_CAPTURES];
} matcher;

static void charge(matcher *m)
{
    if (m->steps > 0)
        pb_sandbox_charge(m->L, m->steps, m->fn);
    m->steps = 0;
}

static inline void tick(matcher *m)
{
    if (++m->steps >= CHARGE_EVERY)
        charge(m);
}

static const char *do_match(matcher *m, const char *s, const char *p);

static int check_capture(matcher *m, int l)
{
    l -= '1';
    if (l < 0 || l >= m->level || m->capture[l].len == CAP_UNFINISHED)
        return luaL_error(m->L, "invalid capture index %%%d", l + 1);
    return l;
}

static int capture_to_close(matcher *m)
{
    int level = m->level;
    for (level--; level >= 0; level--)
        if (m->capture[level].len == CAP_UNFINISHED)
            return level;
    return luaL_error(m->L, "invalid pattern capture");
}

/* The end of the single-character class starting at p. */
static const char *class_end(matcher *m, const char *p)
{
    switch (*p++) {
    case ESCAPE:
        if (p == m->p_end)
            luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^')
            p++;
        do { /* the first character after '[' or '[^' is never the closing ']' */
            if (p == m->p_end)
                luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == ESCAPE && p < m->p_end)
                p++;
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

/* Does character c belong to class %cl? */
static int class_matches(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a':
        res = isalpha(c);
        break;
    case 'c':
        res = iscntrl(c);
        break;
    case 'd':
        res = isdigit(c);
        break;
    case 'g':
        res = isgraph(c);
        break;
    case 'l':
        res = islower(c);
        break;
    case 'p':
        res = ispunct(c);
        break;
    case 's':
        res = isspace(c);
        break;
    case 'u':
        res = isupper(c);
        break;
    case 'w':
        res = isalnum(c);
        break;
    case 'x':
        res = isxdigit(c);
        break;
    case 'z': /* deprecated, but Lua 5.4 still has it */
        res = c == 0;
        break;
    default:
        return cl == c;
    }
    if (isupper(cl))
        res = !res;
    return res != 0;
}

/* Does c belong to the set [...] from p ('[') to ec (']')? */
static int set_matches(int c, const char *p, const char *ec)
{
    int sig = 1;
    if (*(p + 1) == '^') {
        sig = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == ESCAPE) {
            p++;
            if (class_matches(c, (unsigned char)*p))
                return sig;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
                return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

static int single_matches(matcher *m, const char *s, const char *p, const char *ep)
{
    if (s >= m->src_end)
        return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.':
        return 1;
    case ESCAPE:
        return class_matches(c, (unsigned char)*(p + 1));
    case '[':
        return set_matches(c, p, ep - 1);
    default:
        return (unsigned char)*p == c;
    }
}

static const char *match_balance(matcher *m, const char *s, const char *p)
{
    if (p >= m->p_end - 1)
        luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p)
        return NULL;
    int open = *p, close = *(p + 1), depth = 1;
    while (++s < m->src_end) {
        tick(m);
        if (*s == close) {
            if (--depth == 0)
                return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *max_expand(matcher *m, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (single_matches(m, s + i, p, ep)) {
        tick(m);
        i++;
    }
    while (i >= 0) { /* try the longest run first, then shorter ones */
        const char *res = do_match(m, s + i, ep + 1);
        if (res)
            return res;
        i--;
    }
    return NULL;
}

static const char *min_expand(matcher *m, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = do_match(m, s, ep + 1);
        if (res)
            return res;
        if (!single_matches(m, s, p, ep))
            return NULL;
        s++;
    }
}

static const char *start_capture(matcher *m, const char *s, const char *p, ptrdiff_t what)
{
    if (m->level >= MAX_CAPTURES)
        luaL_error(m->L, "too many captures");
    m->capture[m->level].init = s;
    m->capture[m->level].len = what;
    m->level++;
    const char *res = do_match(m, s, p);
    if (!res)
        m->level--;
    return res;
}

static const char *end_capture(matcher *m, const char *s, const char *p)
{
    int l = capture_to_close(m);
    m->capture[l].len = s - m->capture[l].init;
    const char *res = do_match(m, s, p);
    if (!res)
        m->capture[l].len = CAP_UNFINISHED;
    return res;
}

static const char *match_capture(matcher *m, const char *s, int l)
{
    l = check_capture(m, l);
    size_t len = (size_t)m->capture[l].len;
    if ((size_t)(m->src_end - s) >= len && memcmp(m->capture[l].init, s, len) == 0)
        return s + len;
    return NULL;
}

/* Match pattern p at subject position s: the end of the match, or NULL. */
static const char *do_match(matcher *m, const char *s, const char *p)
{
    tick(m);
    if (m->depth-- == 0)
        luaL_error(m->L, "pattern too complex");
    for (;;) {
        tick(m);
        if (p == m->p_end)
            break;
        const char *ep;
        switch (*p) {
        case '(':
            if (*(p + 1) == ')')
                s = start_capture(m, s, p + 2, CAP_POSITION);
            else
                s = start_capture(m, s, p + 1, CAP_UNFINISHED);
            goto done;
        case ')':
            s = end_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->p_end)
                goto single;
            s = s == m->src_end ? s : NULL;
            goto done;
        case ESCAPE:
            switch (*(p + 1)) {
            case 'b':
                s = match_balance(m, s, p + 2);
                if (s) {
                    p += 4;
                    continue;
                }
                goto done;
            case 'f': {
                p += 2;
                if (*p != '[')
                    luaL_error(m->L, "missing '[' after '%%f' in pattern");
                ep = class_end(m, p);
                int previous = s == m->src_init ? '\0' : (unsigned char)*(s - 1);
                int current = s < m->src_end ? (unsigned char)*s : '\0';
                if (!set_matches(previous, p, ep - 1) && set_matches(current, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9':
                s = match_capture(m, s, (unsigned char)*(p + 1));
                if (s) {
                    p += 2;
                    continue;
                }
                goto done;
            default:
                goto single;
            }
        default:
            goto single;
        }
    single:
        ep = class_end(m, p);
        if (!single_matches(m, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') { /* may match zero times */
                p = ep + 1;
                continue;
            }
            s = NULL;
            goto done;
        }
        switch (*ep) {
        case '?': {
            const char *res = do_match(m, s + 1, ep + 1);
            if (res) {
                s = res;
                goto done;
            }
            p = ep + 1;
            continue;
        }
        case '+':
            s = max_expand(m, s + 1, p, ep);
            goto done;
        case '*':
            s = max_expand(m, s, p, ep);
            goto done;
        case '-':
            s = min_expand(m, s, p, ep);
            goto done;
        default:
            s++;
            p = ep;
            continue;
        }
    }
done:
    m->depth++;
    return s;
}

static void matcher_init(matcher *m, lua_State *L, const char *fn, const char *s, size_t ls,
                         const char *p, size_t lp)
{
    m->L = L;
    m->fn = fn;
    m->src_init = s;
    m->src_end = s + ls;
    m->p_end = p + lp;
    m->steps = 0;
}

static void matcher_reset(matcher *m)
{
    m->level = 0;
    m->depth = MAX_DEPTH;
}

/* Capture i of the match s..e: its text in *cap and length, or CAP_POSITION with the
   position pushed. */
static ptrdiff_t get_capture(matcher *m, int i, const char *s, const char *e, const char **cap)
{
    if (i >= m->level) {
        if (i != 0)
            luaL_error(m->L, "invalid capture index %%%d", i + 1);
        *cap = s; /* no captures: the whole match */
        return e - s;
    }
    ptrdiff_t len = m->capture[i].len;
    *cap = m->capture[i].init;
    if (len == CAP_UNFINISHED)
        luaL_error(m->L, "unfinished capture");
    else if (len == CAP_POSITION)
        lua_pushinteger(m->L, (m->capture[i].init - m->src_init) + 1);
    return len;
}

static void push_capture(matcher *m, int i, const char *s, const char *e)
{
    const char *cap;
    ptrdiff_t len = get_capture(m, i, s, e, &cap);
    if (len != CAP_POSITION)
        lua_pushlstring(m->L, cap, (size_t)len);
}

static int push_captures(matcher *m, const char *s, const char *e)
{
    int count = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++)
        push_capture(m, i, s, e);
    return count;
}

/* A 1-based (or negative, from the end) position into a string of length len, as Lua's
   string functions read their init argument. */
static size_t position(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0)
        return 1;
    if (pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp)
{
    size_t upto = 0;
    do { /* the pattern may hold '\0's: check each part */
        if (strpbrk(p + upto, SPECIALS))
            return 1;
        upto += strlen(p + upto) + 1;
    } while (upto <= lp);
    return 0;
}

static int find_aux(lua_State *L, int find)
{
    const char *fn = find ? "string.find" : "string.match";
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        pb_sandbox_charge(L, (long long)((ls - init) / BYTES_PER_STEP), fn);
        const char *found = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
        if (found) {
            lua_pushinteger(L, (found - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(found - s) + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    const char *s1 = s + init;
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    matcher_init(&m, L, fn, s, ls, p, lp);
    do {
        matcher_reset(&m);
        const char *end = do_match(&m, s1, p);
        if (end) {
            charge(&m);
            if (find) {
                lua_pushinteger(L, (s1 - s) + 1);
                lua_pushinteger(L, end - s);
                return push_captures(&m, NULL, 0) + 2;
            }
            return push_captures(&m, s1, end);
        }
    } while (s1++ < m.src_end && !anchor);
    charge(&m);
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L)
{
    return find_aux(L, 1);
}

static int str_match(lua_State *L)
{
    return find_aux(L, 0);
}

typedef struct gmatch_state {
    const char *src;       /* where the next search starts */
    const char *p;         /* the pattern */
    const char *lastmatch; /* end of the last match */
    matcher m;
} gmatch_state;

static int gmatch_next(lua_State *L)
{
    gmatch_state *gm = lua_touserdata(L, lua_upvalueindex(3));
    gm->m.L = L;
    for (const char *src = gm->src; src <= gm->m.src_end; src++) {
        matcher_reset(&gm->m);
        const char *end = do_match(&gm->m, src, gm->p);
        if (end && end != gm->lastmatch) {
            gm->src = gm->lastmatch = end;
            charge(&gm->m);
            return push_captures(&gm->m, src, end);
        }
    }
    charge(&gm->m);
    return 0;
}

static int str_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = position(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2); /* the closure keeps both strings alive */
    gmatch_state *gm = lua_newuserdatauv(L, sizeof *gm, 0);
    if (init > ls)
        init = ls + 1; /* past the end: no match */
    matcher_init(&gm->m, L, "string.gmatch", s, ls, p, lp);
    gm->src = s + init;
    gm->p = p;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/* Room check and charge for a gsub result of `len` bytes so far. */
static void gsub_account(matcher *m, luaL_Buffer *b, size_t *accounted)
{
    size_t len = luaL_bufflen(b);
    if (len - *accounted < (size_t)CHARGE_EVERY * BYTES_PER_STEP / 64)
        return;
    pb_sandbox_check_room(m->L, len - *accounted, m->fn);
    m->steps += (long long)((len - *accounted) / BYTES_PER_STEP);
    *accounted = len;
    charge(m);
}

/* The replacement string (argument 3) with %0-%9 and %% expanded, for the match s..e. */
static void add_replacement_string(matcher *m, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = m->L;
    size_t l;
    const char *news = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = memchr(news, ESCAPE, l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++; /* the escape */
        if (*p == ESCAPE) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            const char *cap;
            ptrdiff_t len = get_capture(m, *p - '1', s, e, &cap);
            if (len == CAP_POSITION)
                luaL_addvalue(b); /* the position, pushed by get_capture */
            else
                luaL_addlstring(b, cap, (size_t)len);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
    }
    luaL_addlstring(b, news, l);
}

/* Add the replacement of match s..e; returns whether it changed the text. */
static int add_value(matcher *m, luaL_Buffer *b, const char *s, const char *e, int type)
{
    lua_State *L = m->L;
    switch (type) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        add_replacement_string(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int str_gsub(lua_State *L)
{
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int type = lua_type(L, 3);
    lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    int anchor = *p == '^';
    lua_Integer n = 0;
    int changed = 0;
    luaL_argexpected(L,
                     type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION ||
                         type == LUA_TTABLE,
                     3, "string/function/table");
    matcher m;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    matcher_init(&m, L, "string.gsub", src, srcl, p, lp);
    size_t accounted = 0;
    while (n < max_n) {
        matcher_reset(&m);
        const char *e = do_match(&m, src, p);
        if (e && e != lastmatch) {
            n++;
            changed = add_value(&m, &b, src, e, type) | changed;
            src = lastmatch = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        gsub_account(&m, &b, &accounted);
        if (anchor)
            break;
    }
    charge(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        pb_sandbox_check_room(L, (size_t)(m.src_end - src), m.fn);
        luaL_addlstring(&b, src, (size_t)(m.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

static int str_rep(lua_State *L)
{
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)(LUA_MAXINTEGER / 2) / (size_t)n)
        return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    pb_sandbox_check_room(L, total, "string.rep");
    pb_sandbox_charge(L, (long long)(total / BYTES_PER_STEP), "string.rep");
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    while (n-- > 1) {
        memcpy(p, s, l);
        p += l;
        if (lsep > 0) {
            memcpy(p, sep, lsep);
            p += lsep;
        }
    }
    memcpy(p, s, l);
    luaL_pushresultsize(&b, total);
    return 1;
}

void pb_sandbox_open_strings(lua_State *L)
{
    static const luaL_Reg functions[] = {{"find", str_find},     {"match", str_match},
                                         {"gmatch", str_gmatch}, {"gsub", str_gsub},
                                         {"rep", str_rep},       {NULL, NULL}};
    luaL_setfuncs(L, functions, 0);
}
