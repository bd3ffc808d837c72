package com.example.products;

import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gives a product a category from the words of its title, description and tags (the category with
 * most words matched wins; none: OTHER), and its price in euros at fixed rates. A currency with no
 * rate fails the job, naming it.
 */
public final class Classify implements Stage<Product, ClassifiedProduct> {

    private static final Map<Category, Set<String>> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put(Category.KITCHEN, Set.of("pan", "pot", "knife", "kettle", "whisk", "oven", "cup", "spoon"));
        WORDS.put(Category.GARDEN, Set.of("spade", "hose", "seeds", "rake", "shovel", "lawn", "plant", "pot"));
        WORDS.put(Category.TOYS, Set.of("toy", "puzzle", "doll", "blocks", "game", "kite", "train"));
        WORDS.put(Category.BOOKS, Set.of("book", "novel", "paperback", "hardcover", "guide", "cookbook"));
    }

    private final Map<String, Double> rates;

    /** Prices in the currencies of {@code rates} (code to euros per unit) are converted; EUR always is. */
    public Classify(Map<String, Double> rates) {
        this.rates = Map.copyOf(rates);
    }

    @Override
    public void process(Product product, StageContext context, Emitter<ClassifiedProduct> out) {
        Double rate = product.getCurrency().equals("EUR") ? Double.valueOf(1.0) : rates.get(product.getCurrency());
        if (rate == null) {
            throw new IllegalArgumentException("product " + product.getSku() + " is priced in "
                    + product.getCurrency() + ", which has no rate; rates are known for EUR and " + rates.keySet());
        }
        List<String> words = new ArrayList<>();
        for (String word : (product.getTitle() + " " + product.getDescription() + " "
                + String.join(" ", product.getTags())).toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        Category best = Category.OTHER;
        List<String> matched = List.of();
        for (Map.Entry<Category, Set<String>> category : WORDS.entrySet()) {
            List<String> hits = words.stream().filter(category.getValue()::contains).distinct().toList();
            if (hits.size() > matched.size()) {
                best = category.getKey();
                matched = hits;
            }
        }
        out.emit(ClassifiedProduct.newBuilder()
                .setSku(product.getSku())
                .setTitle(product.getTitle())
                .setPriceEur(Math.round(product.getPrice() * rate * 100) / 100.0)
                .setCategory(best)
                .setMatched(matched)
                .build());
    }
}
