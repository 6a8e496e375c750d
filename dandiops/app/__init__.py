"""What every step works with: the Application and the per-environment Context, the questions it
asks and where answers come from, and the record of confirmed manual items. Same layer as steps/:
imported by steps, wizard and cli."""
