package dev.sluice.app;

import org.slf4j.LoggerFactory;

/** Small adjustments of the logging binding (logback) at run time. */
public final class Logging {

    private Logging() {
    }

    /** Raises a logger to ERROR, e.g. for chatter that is expected at a shutdown. */
    public static void quiet(String loggerName) {
        if (LoggerFactory.getLogger(loggerName) instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }
}
