package com.example.products;

import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.pipeline.StageFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The stages of this plugin by name, for a pipeline's YAML: {@code product-clean} and
 * {@code product-classify}, registered through {@code META-INF/services} as any plugin's are.
 */
public final class ProductStages {

    private ProductStages() {
    }

    /** {@code product-clean}: see {@link Clean}. */
    public static final class CleanFactory implements StageFactory {
        @Override
        public String type() {
            return "product-clean";
        }

        @Override
        public String description() {
            return "tidies a product's title, description, currency and tags; refuses a negative price";
        }

        @Override
        public ConfigDef params() {
            return new ConfigDef();
        }

        @Override
        public StageDefinition create(String name, AbstractConfig params) {
            return new StageDefinition.Map(name, Product.class, Product.class, new Clean());
        }
    }

    /** {@code product-classify}: see {@link Classify}; parameter {@code rates}, e.g. {@code USD=0.92,GBP=1.17}. */
    public static final class ClassifyFactory implements StageFactory {
        @Override
        public String type() {
            return "product-classify";
        }

        @Override
        public String description() {
            return "a product's category from its words, and its price in euros";
        }

        @Override
        public ConfigDef params() {
            return new ConfigDef().define("rates", ConfigDef.Type.LIST, "", ConfigDef.Importance.HIGH,
                    "Euros per unit of each currency, as CODE=RATE, e.g. USD=0.92,GBP=1.17.");
        }

        @Override
        public StageDefinition create(String name, AbstractConfig params) {
            Map<String, Double> rates = new LinkedHashMap<>();
            for (String pair : params.getList("rates")) {
                String[] parts = pair.split("=", 2);
                try {
                    rates.put(parts[0].trim(), Double.parseDouble(parts[1].trim()));
                } catch (RuntimeException e) {
                    throw new ConfigException("stages." + name + ".rates", pair, "a rate is CODE=NUMBER, e.g. USD=0.92");
                }
            }
            return new StageDefinition.Map(name, Product.class, ClassifiedProduct.class, new Classify(rates));
        }
    }
}
