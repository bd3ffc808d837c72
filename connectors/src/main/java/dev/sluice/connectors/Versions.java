package dev.sluice.connectors;

/** The version the connectors report to the Connect worker: the jar's, or "dev" when run from classes. */
final class Versions {

    static final String SLUICE = version();

    private Versions() {
    }

    private static String version() {
        String version = Versions.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
