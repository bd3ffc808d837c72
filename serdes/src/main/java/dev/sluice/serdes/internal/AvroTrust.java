package dev.sluice.serdes.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro (1.11.4+) instantiates only classes it trusts when it reads a schema's records. Sluice trusts
 * the packages of the record classes it is asked to serialize, on top of whatever the JVM trusts
 * already (system properties {@code org.apache.avro.SERIALIZABLE_PACKAGES} and the like).
 */
public final class AvroTrust {

    private static final Set<String> PACKAGES = ConcurrentHashMap.newKeySet();
    private static volatile boolean installed;

    private AvroTrust() {
    }

    /** Trusts the package of {@code type} (and so its generated sibling classes). */
    public static void trust(Class<?> type) {
        PACKAGES.add(type.getPackageName());
        if (!installed) {
            install();
        }
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(cls -> PACKAGES.contains(cls.getPackageName()) || previous.isTrusted(cls));
        installed = true;
    }
}
