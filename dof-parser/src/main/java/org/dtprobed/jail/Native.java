package org.dtprobed.jail;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Holds the loaded libc binding and reads errno right after a failed call. */
final class Native {
    private final LibC libc;
    private final Runtime runtime;

    private Native(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    /** Loads libc; costs tens of milliseconds and must happen before the filter is installed. */
    static Native load() {
        return new Native(LibraryLoader.create(LibC.class).load("c"));
    }

    LibC libc() {
        return libc;
    }

    /** errno of the last failed call on this thread. */
    int errno() {
        return runtime.getLastError();
    }

    Pointer allocate(int bytes) {
        return Memory.allocateDirect(runtime, bytes, true);
    }
}
