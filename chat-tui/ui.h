/*
 * ui.h: the screen, drawn with ncursesw from the app's state.
 *
 * Left, the contact list with presence markers and unread counts; right,
 * the open conversation with timestamps, day separators and each sent
 * message's state; below, the status bar and the input line.  Every
 * width comes from width.c, every row is cut to the screen, and any size
 * down to one row draws without touching a cell outside it.  Below 40
 * columns the list and the conversation take turns (Tab).  ui owns the
 * terminal between ui_init() and ui_end(): curses mode, bracketed paste.
 */
#ifndef UI_H
#define UI_H

#include "app.h"
#include "tuiconf.h"

/* Start curses on the terminal; colours unless off in conf or NO_COLOR is set. */
void	ui_init(const struct tuiconf *);
/* Leave curses and put the terminal back as it was. */
void	ui_end(void);
/* Before a stop (Ctrl-Z) and after the continue. */
void	ui_suspend(void);
void	ui_resume(void);
/* The terminal changed size: ask it for the new one. */
void	ui_resize(void);
/* Redraw everything on the next ui_draw(). */
void	ui_invalidate(void);
/* Draw the screen and place the cursor; tells the app what it has shown. */
void	ui_draw(struct app *);
/* Scroll the open conversation a page up (dir < 0) or down; 1 if its
 * first row is then in view (app.page). */
int	ui_page(struct app *, int dir);

#endif
