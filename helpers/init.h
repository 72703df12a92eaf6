#ifndef H_init
#define H_init
int helper_init_main (int argc, char **argv);
#endif
