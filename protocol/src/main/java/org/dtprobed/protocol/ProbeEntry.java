package org.dtprobed.protocol;

import java.util.List;
import java.util.Objects;

/**
 * One probe as the daemon knows it: which registration it came from, its four-part name, where it
 * fires and what arguments it takes, and the object mapping its addresses live in.
 *
 * @param pid             registering process
 * @param uid             the registering process's uid, for scoping queries
 * @param generation      the registration's generation number (what the ADDDOF ioctl returned)
 * @param provider        provider name without the pid suffix DTrace appends
 * @param sites           absolute addresses in the registering process
 * @param argmap          for translated argument k, the native argument it takes
 * @param mapping         the object that holds the sites
 * @param adopted         the registration was made by the daemon's scan, not by the process's drti
 */
public record ProbeEntry(int pid, int uid, long generation, String provider, String module, String function,
                         String name, List<Site> sites, List<String> nativeTypes, List<String> translatedTypes,
                         List<Integer> argmap, Mapping mapping, boolean adopted) {

    /** A probe of a registration its process made (not adopted). */
    public ProbeEntry(int pid, int uid, long generation, String provider, String module, String function,
                      String name, List<Site> sites, List<String> nativeTypes, List<String> translatedTypes,
                      List<Integer> argmap, Mapping mapping) {
        this(pid, uid, generation, provider, module, function, name, sites, nativeTypes, translatedTypes, argmap,
                mapping, false);
    }

    /** One place the probe fires; {@code isEnabled} marks an is-enabled check rather than a firing. */
    public record Site(long address, boolean isEnabled) {
    }

    /**
     * The object (executable or shared library) the probe's sites are in.
     *
     * @param dev    {@code st_dev} of the file, in the C library's {@code makedev} encoding
     *               (what {@code stat} and Java's {@code unix:dev} attribute give)
     * @param inode  inode number
     * @param path   the file's path as {@code /proc/PID/maps} showed it at registration
     * @param base   start address of the object's first mapping in the process
     * @param offset file offset of {@code base} (0 for every ordinary ELF object)
     */
    public record Mapping(long dev, long inode, String path, long base, long offset) implements MappedFile {
        public Mapping {
            Objects.requireNonNull(path, "path");
        }

        /**
         * The file offset of an address in this object, assuming the object keeps one distance
         * between address and file offset across its mappings (true for the text of every
         * object {@code ld} lays out, which is where probe sites are).
         */
        public long fileOffset(long address) {
            return address - base + offset;
        }
    }

    public ProbeEntry {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mapping, "mapping");
        sites = List.copyOf(sites);
        nativeTypes = List.copyOf(nativeTypes);
        translatedTypes = List.copyOf(translatedTypes);
        argmap = List.copyOf(argmap);
    }

    /** The provider as DTrace shows it: the name with the pid appended ({@code myprov1234}). */
    public String providerWithPid() {
        return provider + pid;
    }

    /** {@code provider1234:module:function:name}. */
    public String fullName() {
        return providerWithPid() + ":" + module + ":" + function + ":" + name;
    }

    /** Identifies the registration this probe belongs to. */
    public RegistrationKey registration() {
        return new RegistrationKey(pid, generation);
    }
}
