/* The provider of livelib.c, a shared library built with Oracle's dtrace -G (DlcloseIT). */
provider liveprov {
	probe go(int);
};
