/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <virt-migrate.h>

G_BEGIN_DECLS

/* The options that each set one request property as the property is (a
 * flag, a number, a string, a repeatable SRC=DST): bound to the request's
 * GParamSpecs, as the request's a{sv} codec is. Written by hand: the
 * option's name where virsh spells it otherwise, its help and its
 * argument's name. The rest (virsh's flags for an enum, comma lists,
 * files) stays in virt-migrate.c. */
typedef struct _CliRequestOptions CliRequestOptions;

CliRequestOptions *cli_request_options_new     (void);
void               cli_request_options_free    (CliRequestOptions *self);
/* The main group of a context, with the generated options in it (add the
 * others with g_option_context_add_main_entries()). */
GOptionGroup      *cli_request_options_group   (CliRequestOptions *self);
/* Whether the option of @property was given; its string (NULL: not given). */
gboolean           cli_request_options_given   (CliRequestOptions *self,
                                                const char        *property);
const char        *cli_request_options_string  (CliRequestOptions *self,
                                                const char        *property);
/* Sets every given option's property on @request. */
void               cli_request_options_apply   (CliRequestOptions *self,
                                                VirtMigrateRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliRequestOptions, cli_request_options_free)

G_END_DECLS
