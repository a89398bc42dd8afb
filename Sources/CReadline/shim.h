#ifndef QMP_SHELL_CREADLINE_SHIM_H
#define QMP_SHELL_CREADLINE_SHIM_H
// GNU readline must see <stdio.h> first: its headers use FILE without including it.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

// Swift 6 rejects direct use of readline's mutable globals ("not concurrency-safe"). These
// accessors are the only way the Swift side touches them; the line editor calls them from
// its poll-loop thread only, which is what makes that safe.

static inline void qmp_rl_configure(const char *name, const char *word_breaks,
                                    rl_completion_func_t *completion) {
  rl_readline_name = name;
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_change_environment = 0;
  rl_basic_word_break_characters = word_breaks;
  rl_completer_word_break_characters = word_breaks;
  rl_completer_quote_characters = NULL;
  rl_attempted_completion_function = completion;
}

// Readline restores the cooked terminal mode after every line and sets raw mode again at the
// next prompt; keys typed in between are echoed by the kernel and a Ctrl-D is lost as a
// canonical-mode EOF. The editor keeps the terminal in readline's mode for its whole run
// (enabled = 0) and restores it once at the end (enabled = 1, then rl_deprep_terminal()).
static inline void qmp_rl_set_deprep_between_lines(int enabled) {
  rl_deprep_term_function = enabled ? rl_deprep_terminal : NULL;
}

static inline char *qmp_rl_line_buffer(void) { return rl_line_buffer; }
static inline int qmp_rl_end(void) { return rl_end; }
static inline int qmp_rl_point(void) { return rl_point; }
static inline void qmp_rl_set_point(int point) {
  rl_point = point < 0 ? 0 : (point > rl_end ? rl_end : point);
}
static inline void qmp_rl_set_attempted_completion_over(int value) {
  rl_attempted_completion_over = value;
}
static inline void qmp_rl_set_completion_suppress_append(int value) {
  rl_completion_suppress_append = value;
}
static inline FILE *qmp_rl_outstream(void) { return rl_outstream ? rl_outstream : stdout; }
static inline int qmp_history_length(void) { return history_length; }

#endif
