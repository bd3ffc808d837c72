package com.example.products;

import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import java.util.Locale;

/**
 * Tidies a product as the catalogue exported it: title and description trimmed with their white
 * space collapsed, the currency code upper case, the tags lower case. A negative price is not a
 * product: the job fails here, naming it, and its record goes to the dead-letter topic.
 */
public final class Clean implements Stage<Product, Product> {

    @Override
    public void process(Product product, StageContext context, Emitter<Product> out) {
        if (product.getPrice() < 0) {
            throw new IllegalArgumentException("product " + product.getSku() + " has a negative price: "
                    + product.getPrice());
        }
        out.emit(Product.newBuilder(product)
                .setTitle(collapse(product.getTitle()))
                .setDescription(collapse(product.getDescription()))
                .setCurrency(product.getCurrency().trim().toUpperCase(Locale.ROOT))
                .setTags(product.getTags().stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).toList())
                .build());
    }

    private static String collapse(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
