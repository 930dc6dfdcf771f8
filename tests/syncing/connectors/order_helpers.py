"""Helpers shared by the order tests (test_orders_*.py): read every page, find one order, read stock."""


def pull_all(conn, since=None):
    """Every order `pull_orders` returns, following the cursor to the end."""
    orders, cursor = [], None
    while True:
        page = conn.pull_orders(cursor, since)
        orders += page.items
        cursor = page.next_cursor
        if cursor is None:
            return orders


def find(conn, external_id):
    return next(o for o in pull_all(conn) if o.external_id == external_id)


def stock(conn, sku):
    """The quantity the marketplace advertises for a SKU (read back through the listing calls)."""
    return conn.find_by_sku(sku).quantity


def line_quantities(order):
    """{sku: (quantity, shipped, cancelled, refunded)}."""
    return {
        line.sku: (line.quantity, line.shipped_quantity, line.cancelled_quantity, line.refunded_quantity)
        for line in order.lines
    }
