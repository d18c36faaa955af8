// Bridge to ncursesw for Swift.
//
// SwiftPM drops the -D flags that `pkg-config --cflags ncursesw` prints, and without
// them the wide-character API (cchar_t, get_wch, add_wch, setcchar) is compiled out.
// So we define them here, before the include. Macros that Swift cannot import
// (attributes built from NCURSES_BITS, ACS_*, getmaxyx) and C globals that Swift 6
// rejects as not concurrency-safe (stdscr, LINES, COLS, ESCDELAY) are bridged by
// small static inline functions. Editing only this header does not trigger a rebuild:
// touch a Swift file in HaechiTerminal after changing it.
#ifndef HAECHI_CNCURSESW_SHIM_H
#define HAECHI_CNCURSESW_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <stdlib.h>
#include <ncursesw/ncurses.h>

static inline WINDOW *haechi_stdscr(void) { return stdscr; }
static inline int haechi_lines(void) { return LINES; }
static inline int haechi_cols(void) { return COLS; }
static inline void haechi_set_escdelay(int ms) { set_escdelay(ms); }

static inline attr_t haechi_a_normal(void) { return A_NORMAL; }
static inline attr_t haechi_a_bold(void) { return A_BOLD; }
static inline attr_t haechi_a_reverse(void) { return A_REVERSE; }
static inline attr_t haechi_a_underline(void) { return A_UNDERLINE; }
static inline attr_t haechi_a_dim(void) { return A_DIM; }
static inline attr_t haechi_a_blink(void) { return A_BLINK; }

static inline int haechi_wcwidth(wchar_t c) { return wcwidth(c); }
static inline int haechi_setlocale_all(void) { return setlocale(LC_ALL, "") != NULL; }

// Draw one cell: a base character plus optional combining marks, with attributes and colour pair.
static inline int haechi_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, short pair) {
    cchar_t cc;
    if (setcchar(&cc, wch, attrs, pair, NULL) != OK) return ERR;
    return mvwadd_wch(stdscr, y, x, &cc);
}

static inline int haechi_get_wch(wint_t *out) { return wget_wch(stdscr, out); }
#endif
