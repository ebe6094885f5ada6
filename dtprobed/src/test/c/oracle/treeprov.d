/* The executable's own provider of treehost.c (ProbesTreeIT), built with Oracle's dtrace -h and -G. */
provider treeprov {
	probe cmd(int, char *);
};
