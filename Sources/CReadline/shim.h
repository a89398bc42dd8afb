#ifndef QMP_SHELL_CREADLINE_SHIM_H
#define QMP_SHELL_CREADLINE_SHIM_H
// GNU readline must see <stdio.h> first: its headers use FILE without including it.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
#endif
