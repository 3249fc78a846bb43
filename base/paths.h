/* paths.h: where trit keeps its files. */
#ifndef TRIT_PATHS_H
#define TRIT_PATHS_H

/* $TRIT_CACHE_DIR, else $XDG_CACHE_HOME/trit, else ~/.cache/trit (not created here) */
const char *trit_cache_dir(void);

#endif
