#ifndef H_run
#define H_run
int helper_run_main (int argc, char **argv);
#endif
