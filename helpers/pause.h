#ifndef H_pause
#define H_pause
int helper_pause_main (int argc, char **argv);
#endif
