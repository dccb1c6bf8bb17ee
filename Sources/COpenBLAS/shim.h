#include <x86_64-linux-gnu/cblas.h>
