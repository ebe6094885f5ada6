/* The provider of treelib.c, a shared library built with Oracle's dtrace -G (ProbesTreeIT). */
provider treelib {
	probe lib_call(int, long);
	probe lib_done(int);
};
