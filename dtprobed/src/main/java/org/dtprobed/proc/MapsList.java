package org.dtprobed.proc;

import java.util.List;
import java.util.Optional;

/** {@link AddressSpace} over the parsed maps text. */
record MapsList(List<Mapping> all) implements AddressSpace {
    @Override
    public Optional<Mapping> mappingAt(long address) {
        // binary search: the kernel lists mappings sorted and disjoint
        int lo = 0;
        int hi = all.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = all.get(mid);
            if (Long.compareUnsigned(address, m.start()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address, m.end()) >= 0) {
                lo = mid + 1;
            } else {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    @Override
    public Mapping firstOf(Mapping m) {
        if (m.anonymous()) {
            return m;
        }
        for (Mapping first : all) {
            if (first.sameObject(m)) {
                return first;
            }
        }
        return m;
    }
}
