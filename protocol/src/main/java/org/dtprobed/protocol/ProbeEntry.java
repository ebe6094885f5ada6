package org.dtprobed.protocol;

import java.util.List;
import java.util.Objects;

/**
 * One probe as the daemon knows it: which registration it came from, its four-part name, where it
 * fires and what arguments it takes, and the object mapping its addresses live in.
 *
 * <p>Held as four references (32 bytes) rather than thirteen fields (72): the index holds one entry
 * per probe of every registered process, and the probes of one registration share their
 * {@link Owner}, the registrations of one DOF their {@link Declaration}s (and their sites and
 * mapping where those come out the same), so 10,000 processes of one 20-probe program cost 200,000
 * of these and little else (BENCHMARKS.md, issue 16).
 *
 * @param owner       the registration the probe belongs to
 * @param declaration what the DOF declares: names, types, argmap
 * @param sites       absolute addresses in the registering process
 * @param mapping     the object that holds the sites
 */
public record ProbeEntry(Owner owner, Declaration declaration, List<Site> sites, Mapping mapping) {

    /**
     * @param pid        registering process
     * @param uid        the registering process's uid, for scoping queries
     * @param generation the registration's generation number (what the ADDDOF ioctl returned)
     * @param adopted    the registration was made by the daemon's scan, not by the process's drti
     */
    public record Owner(int pid, int uid, long generation, boolean adopted) {
    }

    /**
     * @param provider provider name without the pid suffix DTrace appends
     * @param argmap   for translated argument k, the native argument it takes
     */
    public record Declaration(String provider, String module, String function, String name,
                              List<String> nativeTypes, List<String> translatedTypes, List<Integer> argmap) {
        public Declaration {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(name, "name");
            nativeTypes = List.copyOf(nativeTypes);
            translatedTypes = List.copyOf(translatedTypes);
            argmap = List.copyOf(argmap);
        }
    }

    public ProbeEntry(int pid, int uid, long generation, String provider, String module, String function,
                      String name, List<Site> sites, List<String> nativeTypes, List<String> translatedTypes,
                      List<Integer> argmap, Mapping mapping, boolean adopted) {
        this(new Owner(pid, uid, generation, adopted),
                new Declaration(provider, module, function, name, nativeTypes, translatedTypes, argmap), sites, mapping);
    }

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
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(declaration, "declaration");
        Objects.requireNonNull(mapping, "mapping");
        sites = List.copyOf(sites);
    }

    public int pid() {
        return owner.pid();
    }

    public int uid() {
        return owner.uid();
    }

    public long generation() {
        return owner.generation();
    }

    public boolean adopted() {
        return owner.adopted();
    }

    public String provider() {
        return declaration.provider();
    }

    public String module() {
        return declaration.module();
    }

    public String function() {
        return declaration.function();
    }

    public String name() {
        return declaration.name();
    }

    public List<String> nativeTypes() {
        return declaration.nativeTypes();
    }

    public List<String> translatedTypes() {
        return declaration.translatedTypes();
    }

    public List<Integer> argmap() {
        return declaration.argmap();
    }

    /** The provider as DTrace shows it: the name with the pid appended ({@code myprov1234}). */
    public String providerWithPid() {
        return provider() + pid();
    }

    /** {@code provider1234:module:function:name}. */
    public String fullName() {
        return providerWithPid() + ":" + module() + ":" + function() + ":" + name();
    }

    /** Identifies the registration this probe belongs to. */
    public RegistrationKey registration() {
        return new RegistrationKey(pid(), generation());
    }
}
