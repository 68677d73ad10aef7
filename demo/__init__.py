"""Everything the demo needs: accounts, courses, exercises, the lyceum network and load data. Product
code never imports this app; it imports every other."""
