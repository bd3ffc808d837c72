package dev.sluice.app.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Small adjustments of the logging binding (logback) at run time. */
public final class Logging {

    private Logging() {
    }

    /** Raises a logger to ERROR, e.g. for chatter that is expected at a shutdown. */
    public static void quiet(String loggerName) {
        if (LoggerFactory.getLogger(loggerName) instanceof Logger logger) {
            logger.setLevel(Level.ERROR);
        }
    }
}
