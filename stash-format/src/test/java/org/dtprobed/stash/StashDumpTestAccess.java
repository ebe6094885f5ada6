package org.dtprobed.stash;

/** Lets dump tests plant what a bug would leave behind (package access to the raw maps). */
public final class StashDumpTestAccess {
    private StashDumpTestAccess() {
    }

    public static void plantOrphan(StashFiles files) {
        byte[] dof = {1, 2, 3};
        files.rawDof.put(ContentHash.of(dof).toBytes(), RawDofCodec.encode(dof));
    }
}
