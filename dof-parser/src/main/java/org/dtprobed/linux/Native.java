package org.dtprobed.linux;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The one loaded libc binding of a JVM (as junixsocket keeps its native calls in one class): the
 * jailed parser child, the FUSE/CUSE transports and the process-memory reader all call through it.
 * Loading generates the binding's class (tens of milliseconds); it happens once, on first use, and
 * the jail makes that use before its seccomp filter forbids opening anything.
 */
public final class Native {
    private final LibC libc;
    private final Runtime runtime;

    private Native(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    /** The class initialisation that loads libc, once per JVM; its failure is kept, not retried. */
    private static final class Loaded {
        static final Native INSTANCE;
        static final Throwable FAILURE;

        static {
            Native n = null;
            Throwable failure = null;
            try {
                n = new Native(LibraryLoader.create(LibC.class).load("c"));
            } catch (LinkageError | RuntimeException e) {
                failure = e;
            }
            INSTANCE = n;
            FAILURE = failure;
        }
    }

    /**
     * The binding, loaded on the first call.
     *
     * @throws IllegalStateException when libc cannot be bound (no jffi native library for this
     *     platform, for instance); the cause is the loader's error
     */
    public static Native load() {
        if (Loaded.INSTANCE == null) {
            throw new IllegalStateException("cannot bind libc through jnr-ffi: " + Loaded.FAILURE, Loaded.FAILURE);
        }
        return Loaded.INSTANCE;
    }

    public LibC libc() {
        return libc;
    }

    /** errno of the last failed call on this thread. */
    public int errno() {
        return runtime.getLastError();
    }

    public Runtime runtime() {
        return runtime;
    }

    /** Zeroed native memory, freed when the pointer is collected. */
    public Pointer allocate(int bytes) {
        return Memory.allocateDirect(runtime, bytes, true);
    }
}
