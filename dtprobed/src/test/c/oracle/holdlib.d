/* The provider of holdlib.c, a shared library built with Oracle's dtrace -G (ParseOnceIT). */
provider holdlib {
	probe work(int);
};
