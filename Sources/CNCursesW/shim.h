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
#include <langinfo.h>
#include <string.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
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
static inline int haechi_setlocale_ctype(const char *name) { return setlocale(LC_CTYPE, name) != NULL; }

// Draw one cell: a base character plus optional combining marks, with attributes and colour pair.
static inline int haechi_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, short pair) {
    cchar_t cc;
    if (setcchar(&cc, wch, attrs, pair, NULL) != OK) return ERR;
    return mvwadd_wch(stdscr, y, x, &cc);
}

static inline int haechi_get_wch(wint_t *out) { return wget_wch(stdscr, out); }

// Whether the C library's current locale encodes text as UTF-8 (else ncursesw drops Hangul).
static inline int haechi_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}
static inline int haechi_setlocale_named(const char *name) { return setlocale(LC_ALL, name) != NULL; }

// A screen on arbitrary descriptors (the benchmark counts the bytes curses writes to a file).
// The FILE streams stay open for the life of the screen; haechi_endterm closes them.
static FILE *haechi_term_out = NULL;
static FILE *haechi_term_in = NULL;
static inline SCREEN *haechi_newterm(const char *type, int outfd, int infd) {
    haechi_term_out = fdopen(outfd, "w");
    haechi_term_in = fdopen(infd, "r");
    if (haechi_term_out == NULL || haechi_term_in == NULL) return NULL;
    return newterm(type, haechi_term_out, haechi_term_in);
}
static inline void haechi_flush_term(void) { if (haechi_term_out) fflush(haechi_term_out); }
static inline void haechi_endterm(SCREEN *screen) {
    endwin();
    delscreen(screen);
    if (haechi_term_out) { fclose(haechi_term_out); haechi_term_out = NULL; }
    if (haechi_term_in) { fclose(haechi_term_in); haechi_term_in = NULL; }
}

// A pseudo-terminal for the benchmark (the real binary's first frame). These are declared by
// <stdlib.h> only under _XOPEN_SOURCE >= 600, which SwiftPM's flags do not give us.
extern int posix_openpt(int flags);
extern int grantpt(int fd);
extern int unlockpt(int fd);
extern char *ptsname(int fd);
static inline int haechi_open_pty(char *slave_name, size_t size) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0) return -1;
    const char *name = (grantpt(fd) == 0 && unlockpt(fd) == 0) ? ptsname(fd) : NULL;
    if (name == NULL || strlen(name) >= size) { close(fd); return -1; }
    strcpy(slave_name, name);
    return fd;
}

// Bracketed paste (xterm mode 2004): the terminal wraps pasted text in ESC[200~ … ESC[201~.
// Teaching ncurses the two markers as keys lets the reader tell a paste from typing.
#define HAECHI_KEY_PASTE_BEGIN (KEY_MAX + 1)
#define HAECHI_KEY_PASTE_END (KEY_MAX + 2)
static inline int haechi_key_paste_begin(void) { return HAECHI_KEY_PASTE_BEGIN; }
static inline int haechi_key_paste_end(void) { return HAECHI_KEY_PASTE_END; }
static inline void haechi_define_paste_keys(void) {
    define_key("\033[200~", HAECHI_KEY_PASTE_BEGIN);
    define_key("\033[201~", HAECHI_KEY_PASTE_END);
}
// Private-mode switches written straight to the terminal (no terminfo capability exists).
static inline void haechi_write_terminal(const char *s) {
    FILE *out = haechi_term_out ? haechi_term_out : stdout;
    fputs(s, out);
    fflush(out);
}
static inline int haechi_key_mouse(void) { return KEY_MOUSE; }
// Clicks and the wheel (buttons 4/5); 0 turns reporting off.
static inline int haechi_mouse(int on) {
    mmask_t mask = on ? (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0;
    mouseinterval(0);
    return mousemask(mask, NULL) != 0;
}
// 1 click, 2 wheel up, 3 wheel down, 0 anything else; the cell in *x, *y.
static inline int haechi_read_mouse(int *x, int *y) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    *x = ev.x; *y = ev.y;
    if (ev.bstate & BUTTON4_PRESSED) return 2;
    if (ev.bstate & BUTTON5_PRESSED) return 3;
    if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) return 1;
    return 0;
}
static inline int haechi_unget_wch(wchar_t c) { return unget_wch(c); }
static inline int haechi_ungetch(int c) { return ungetch(c); }

static inline int haechi_key_f0(void) { return KEY_F0; }
static inline int haechi_colors(void) { return COLORS; }
static inline int haechi_refresh(void) { return wrefresh(stdscr); }
static inline int haechi_move(int y, int x) { return wmove(stdscr, y, x); }
static inline int haechi_clear(void) { return wclear(stdscr); }
static inline void haechi_timeout(int ms) { wtimeout(stdscr, ms); }
static inline int haechi_keypad(int on) { return keypad(stdscr, on ? TRUE : FALSE); }
#endif
