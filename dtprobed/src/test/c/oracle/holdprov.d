/* The provider of holdprog.c, built with Oracle's dtrace -h and -G (PublishIT). */
provider holdprov {
	probe req_done(int, char *);
	probe tick(long);
};
