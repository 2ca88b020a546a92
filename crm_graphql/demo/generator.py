"""The generator: customers with their companies, interactions, orders and opportunities,
as rows of the demo tables (see the package documentation)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from faker import Faker

from crm_graphql.api.roles import Role
from crm_graphql.demo.history import History
from crm_graphql.demo.reference import (
    CALL_OUTCOMES,
    CATALOGUE,
    CATALOGUE_CURRENCY,
    CHANNEL_WEIGHTS,
    CLOSED_STAGES,
    COUNTRIES,
    CUSTOMERS_PER_COMPANY,
    CUSTOMERS_PER_STAFF_MEMBER,
    DAY,
    DEAL_KINDS,
    EMAIL_OUTCOMES,
    EXCHANGE_RATES,
    INDUSTRIES,
    INTERACTION_FACTOR,
    ITEM_COUNT_WEIGHTS,
    LANGUAGES,
    LOST_REASONS,
    MEETING_OUTCOMES,
    MIN_STAFF,
    NOW,
    OLD_DEAL_WEIGHTS,
    OLD_ORDER_WEIGHTS,
    OPPORTUNITY_FACTOR,
    ORDER_FACTOR,
    PRODUCT_COUNT,
    RECENT_DEAL_WEIGHTS,
    RECENT_ORDER_WEIGHTS,
    ROLE_WEIGHTS,
    SECOND,
    SEGMENTS,
    SIZE_CONTACTS,
    SIZE_WEIGHTS,
    SOURCE_WEIGHTS,
    STAGE_WEIGHTS,
    START,
    SUBJECT_TEMPLATES,
    TAGS,
    Country,
)
from crm_graphql.demo.sampling import (
    LocalePool,
    domain_stem,
    locale_pool,
    normalised,
    pool_size,
    price_point,
    table_of,
)
from crm_graphql.demo.tables import (
    COMPANIES,
    CUSTOMERS,
    INTERACTIONS,
    OPPORTUNITIES,
    ORDER_ITEMS,
    ORDERS,
    PRODUCTS,
    TABLES,
    USERS,
    Table,
    cents,
    date_text,
    datetime_mysql,
    datetime_sqlite,
    json_text,
)
from crm_graphql.domains.customers.models import (
    LifecycleStage,
)
from crm_graphql.domains.interactions.models import Channel, Direction
from crm_graphql.domains.orders.models import OrderStatus
from crm_graphql.domains.sales.models import STAGE_PROBABILITY, OpportunityStage

# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------

T = TypeVar("T")


@dataclass
class _Skeleton:
    """What must be known about every customer before companies can be written."""

    created: list[int]  # creation time of each customer (microseconds), ascending
    company: list[int]  # index into the company arrays, or -1


class Generator:
    """Builds rows as tuples; one instance per seeding run."""

    def __init__(
        self,
        customers: int,
        seed: int,
        dialect: str,
        first_ids: dict[str, int],
        history: History | None = None,
    ):
        self.customer_count = customers
        self.history = history or History()
        self.caps = self.history.caps()
        self.rng = random.Random(seed)
        self.next_id = dict(first_ids)
        self.dt: Callable[[int], str] = datetime_mysql if dialect == "mysql" else datetime_sqlite
        self.day = date_text
        self.used_emails: set[str] = set()

        self.country_table = table_of({c: c.weight for c in COUNTRIES})
        self.stage_table = table_of(STAGE_WEIGHTS)
        self.source_table = table_of(SOURCE_WEIGHTS)
        self.channel_table = table_of(CHANNEL_WEIGHTS)
        self.item_count_table = table_of(ITEM_COUNT_WEIGHTS)
        self.recent_order_table = table_of(RECENT_ORDER_WEIGHTS)
        self.old_order_table = table_of(OLD_ORDER_WEIGHTS)
        self.recent_deal_table = table_of(RECENT_DEAL_WEIGHTS)
        self.old_deal_table = table_of(OLD_DEAL_WEIGHTS)
        self.interaction_factor = normalised(INTERACTION_FACTOR)
        self.order_factor = normalised(ORDER_FACTOR)
        self.opportunity_factor = normalised(OPPORTUNITY_FACTOR)
        self._build_pools(seed)

    # -- pools ---------------------------------------------------------------------------

    def _build_pools(self, seed: int) -> None:
        rng = self.rng
        n = self.customer_count
        self.locales: dict[str, LocalePool] = {}
        for index, country in enumerate(COUNTRIES):
            faker = Faker(country.locale)
            # A distinct seed per locale: locales that share word lists (en_US, en_CA) would
            # otherwise produce the very same names.
            faker.seed_instance(seed * 101 + index)
            share = country.weight / 100
            size = pool_size(n, share * 0.05, 30, 400)
            # Company names are used in turn rather than drawn, so the pool holds about as
            # many as there will be companies from the locale: few names repeat.
            companies = pool_size(n // CUSTOMERS_PER_COMPANY, share * 1.1, 10, 20_000)
            self.locales[country.locale] = locale_pool(faker, size, companies, rng)

        faker = Faker("en_US")
        faker.seed_instance(seed * 101 + 99)
        jobs = (faker.job() for _ in range(400))
        self.job_titles = [job for job in dict.fromkeys(jobs) if len(job) <= 120]
        self.phrases = [faker.catch_phrase() for _ in range(300)]
        self.bodies = [faker.paragraph(nb_sentences=rng.randint(2, 6)) for _ in range(400)]
        self.descriptions = [faker.sentence(nb_words=12) for _ in range(100)]

    # -- small draws ---------------------------------------------------------------------

    def pick(self, values: Sequence[T]) -> T:
        return values[int(self.rng.random() * len(values))]

    def between(self, start: int, end: int) -> int:
        """A time uniformly between two times (microseconds)."""
        return start + int(self.rng.random() * (end - start)) if end > start else start

    def count(self, mean: float, cap: int) -> int:
        """A geometric draw with the given mean: many small counts, a long tail."""
        if mean <= 0:
            return 0
        ratio = mean / (1.0 + mean)
        return min(cap, int(math.log(1.0 - self.rng.random()) / math.log(ratio)))

    def activity(self) -> float:
        # Pareto with mean 1: most customers are quiet, a few are very busy. Together with
        # the geometric counts this gives the long tail real CRMs show.
        return self.rng.paretovariate(2.5) * 0.6

    def phone(self, country: Country) -> str:
        """An E.164 number: "+", country code, national number without trunk prefix."""
        prefix, digits = self.pick(country.phones)
        # The first local digit is never 0 or 1 (no trunk prefix, valid NANP exchanges).
        rest = self.rng.randrange(10 ** (digits - 1))
        return f"{prefix}{self.rng.randint(2, 9)}{rest:0{digits - 1}d}"

    def take_id(self, table: Table) -> int:
        self.next_id[table.name] += 1
        return self.next_id[table.name]

    def unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        suffix = 1
        while email in self.used_emails:
            suffix += 1
            email = f"{local}{suffix}@{domain}"
        self.used_emails.add(email)
        return email

    # -- reference tables ----------------------------------------------------------------

    def users(self, existing_emails: set[str]) -> list[tuple]:
        """Staff: every role at least once, then the usual mix; mostly there from the start."""
        rng = self.rng
        count = max(MIN_STAFF, round(self.customer_count / CUSTOMERS_PER_STAFF_MEMBER))
        role_table = table_of(ROLE_WEIGHTS)
        roles = list(Role) + [self.pick(role_table) for _ in range(count)]
        roles = roles[:count]
        self.used_emails |= existing_emails
        pool = self.locales["en_US"]
        rows = []
        self.staff: list[int] = []
        self.sellers: list[int] = []
        for role in roles:
            user_id = self.take_id(USERS)
            first, first_slug = self.pick(pool.first_names)
            last, last_slug = self.pick(pool.last_names)
            email = self.unique_email(f"{first_slug}.{last_slug}", "northwind-crm.example")
            if rng.random() < 0.8:
                created = START - self.between(0, 90 * DAY)
            else:
                created = self.between(START, NOW - 30 * DAY)
            active = rng.random() < 0.92 or role is Role.ADMIN
            updated = self.between(created, NOW)
            rows.append(
                (user_id, f"{first} {last}", email, role.value, int(active), 1,
                 self.dt(created), self.dt(updated))
            )  # fmt: skip
            if active:
                self.staff.append(user_id)
                if role in (Role.SALES, Role.MANAGER):
                    self.sellers.append(user_id)
        if not self.sellers:
            self.sellers = list(self.staff)
        return rows

    def products(self) -> list[tuple]:
        """The catalogue: families x variants, priced at catalogue price points."""
        rng = self.rng
        candidates = [
            (code, f"{family}, {variant}", low, high, max_quantity)
            for code, families, variants, (low, high), max_quantity in CATALOGUE
            for family in families
            for variant in variants
        ]
        rng.shuffle(candidates)
        chosen = candidates[:PRODUCT_COUNT]
        # Orders use a few best sellers far more than the rest.
        popularity: dict[int, float] = {}
        self.product_ids: list[int] = []
        self.product_names: list[str] = []
        self.product_prices: dict[str, list[int]] = {currency: [] for currency in EXCHANGE_RATES}
        self.product_max_quantity: list[int] = []
        rows = []
        for index, (code, name, low, high, max_quantity) in enumerate(chosen):
            product_id = self.take_id(PRODUCTS)
            # Log-uniform within the range: as many cheap variants as expensive ones.
            units = math.exp(rng.uniform(math.log(low), math.log(high)))
            price = price_point(int(units * 100))
            for currency, rate in EXCHANGE_RATES.items():
                local = price if currency == CATALOGUE_CURRENCY else price_point(int(price * rate))
                self.product_prices[currency].append(local)
            self.product_ids.append(product_id)
            self.product_names.append(name.split(",")[0])
            self.product_max_quantity.append(max_quantity if price < 100_000 else 2)
            popularity[index] = rng.paretovariate(1.2)
            created = START - self.between(0, 60 * DAY)
            rows.append(
                (product_id, f"{code}-{product_id:05d}", name, self.pick(self.descriptions),
                 cents(price), CATALOGUE_CURRENCY, int(rng.random() < 0.92), 1,
                 self.dt(created), self.dt(self.between(created, NOW)))
            )  # fmt: skip
        self.product_table = table_of(popularity, resolution=20_000)
        return rows

    def subject_pools(self) -> None:
        """Interaction subjects per channel, from templates filled with phrases and products."""
        self.subjects = {
            channel: [
                self.pick(templates).format(
                    phrase=self.pick(self.phrases).lower(), product=self.pick(self.product_names)
                )
                for _ in range(150)
            ]
            for channel, templates in SUBJECT_TEMPLATES.items()
        }

    def skeleton(self) -> _Skeleton:
        """Creation times of all customers and which company each belongs to."""
        rng = self.rng
        n = self.customer_count
        span = NOW - START
        # u ** 0.8 leans towards recent dates: the customer base grew over time.
        created = sorted(START + int(span * rng.random() ** 0.8) for _ in range(n))
        company_count = max(1, n // CUSTOMERS_PER_COMPANY)
        size_table = table_of(SIZE_WEIGHTS)
        self.company_bands = [self.pick(size_table) for _ in range(company_count)]
        weights = {
            index: SIZE_CONTACTS[band] * rng.paretovariate(2.0)
            for index, band in enumerate(self.company_bands)
        }
        members = [index for index in range(n) if rng.random() < 0.8]
        if len(members) >= company_count:
            # Every company gets a contact; the rest go mostly to the big ones.
            table = table_of(weights, resolution=max(10_000, company_count * 20))
            targets = list(range(company_count))
            targets += [self.pick(table) for _ in range(len(members) - company_count)]
            rng.shuffle(targets)
        else:
            targets = rng.sample(range(company_count), len(members))
        company = [-1] * n
        for customer, target in zip(members, targets, strict=True):
            company[customer] = target
        return _Skeleton(created, company)

    def companies(self, skeleton: _Skeleton) -> list[tuple]:
        """Companies, created shortly before their first contact; ids in creation order."""
        rng = self.rng
        count = len(self.company_bands)
        first_contact = [NOW] * count
        for created, company in zip(skeleton.created, skeleton.company, strict=True):
            if company >= 0 and created < first_contact[company]:
                first_contact[company] = created
        created_at = [
            max(START, first - self.between(0, 30 * DAY))
            if first < NOW
            else self.between(START, NOW)
            for first in first_contact
        ]
        order = sorted(range(count), key=lambda index: created_at[index])
        self.company_ids = [0] * count
        self.company_countries: list[Country] = [COUNTRIES[0]] * count
        self.company_domains = [""] * count
        self.company_names = [""] * count
        self.company_owners: list[int | None] = [None] * count
        domains_seen: dict[str, int] = {}
        names_used: dict[str, int] = {}
        rows = []
        for index in order:
            company_id = self.take_id(COMPANIES)
            country = self.pick(self.country_table)
            pool = self.locales[country.locale]
            turn = names_used.get(country.locale, 0)
            names_used[country.locale] = turn + 1
            name = pool.companies[turn % len(pool.companies)]
            stem = domain_stem(name)
            seen = domains_seen.get(stem, 0)
            domains_seen[stem] = seen + 1
            domain = f"{stem}{seen + 1 if seen else ''}.{country.tld}"
            owner = self.pick(self.sellers) if rng.random() < 0.9 else None
            address = (
                (*self.pick(pool.addresses), country.code)
                if rng.random() < 0.9
                else (None,) * 5 + (country.code,)
            )
            created = created_at[index]
            rows.append(
                (company_id, name, domain if rng.random() < 0.95 else None,
                 self.pick(INDUSTRIES) if rng.random() < 0.9 else None,
                 self.company_bands[index].value if rng.random() < 0.95 else None,
                 self.phone(country) if rng.random() < 0.8 else None, owner, *address, 1,
                 self.dt(created), self.dt(self.between(created, NOW)))
            )  # fmt: skip
            self.company_ids[index] = company_id
            self.company_countries[index] = country
            self.company_domains[index] = domain
            self.company_names[index] = name
            self.company_owners[index] = owner
        return rows

    # -- customers and their history -----------------------------------------------------

    def customer_chunk(self, skeleton: _Skeleton, start: int, stop: int) -> Iterator[None]:
        """Generate customers ``start..stop`` with their history into ``self.chunk``.

        Yields now and then so that the previous chunk's writes progress meanwhile.
        """
        self.chunk: dict[str, list[tuple]] = {table.name: [] for table in TABLES[3:]}
        for index in range(start, stop):
            self.customer(skeleton.created[index], skeleton.company[index])
            if index % 3 == 2:
                yield

    def customer(self, created: int, company: int) -> None:
        rng = self.rng
        random_ = rng.random
        chunk = self.chunk
        customer_id = self.take_id(CUSTOMERS)
        if company >= 0:
            company_id: int | None = self.company_ids[company]
            country = (
                self.company_countries[company]
                if random_() < 0.95
                else self.pick(self.country_table)
            )
            owner = self.company_owners[company] if random_() < 0.7 else self.pick(self.sellers)
        else:
            company_id = None
            country = self.pick(self.country_table)
            owner = self.pick(self.sellers)
        if random_() < 0.05:
            owner = None
        pool = self.locales[country.locale]
        first, first_slug = self.pick(pool.first_names)
        last, last_slug = self.pick(pool.last_names)

        stage = self.pick(self.stage_table)
        if stage is LifecycleStage.CHURNED and NOW - created < 120 * DAY:
            stage = LifecycleStage.CUSTOMER
        # Churned customers' buying stopped somewhere in their history.
        end = NOW
        if stage is LifecycleStage.CHURNED:
            end = self.between(created + (NOW - created) // 3, NOW)

        if random_() < 0.98:
            if company_id is not None and random_() < 0.85:
                local = self.pick(
                    (f"{first_slug}.{last_slug}", f"{first_slug[0]}{last_slug}",
                     f"{first_slug}_{last_slug}", f"{first_slug}")
                )  # fmt: skip
                domain = self.company_domains[company]
            else:
                local = self.pick(
                    (f"{first_slug}.{last_slug}", f"{first_slug}{last_slug}",
                     f"{last_slug}.{first_slug}", f"{first_slug[0]}.{last_slug}")
                )  # fmt: skip
                if random_() < 0.4:
                    local += str(rng.randint(1, 99))
                domain = self.pick(country.mail_domains)
            email = self.unique_email(local, domain)
        else:
            email = None

        tags: list[str] = []
        if random_() < 0.4:
            tags = sorted(set(rng.sample(TAGS, self.pick((1, 1, 1, 2, 2, 3)))))
        custom: dict[str, object] = {}
        if random_() < 0.3:
            custom["segment"] = self.pick(SEGMENTS)
            if random_() < 0.5:
                custom["nps"] = rng.randint(0, 10)
            if country.locale in LANGUAGES:
                custom["preferred_language"] = LANGUAGES[country.locale]
        deleted = self.between(created, NOW) if random_() < 0.01 else None
        updated = deleted if deleted is not None else self.between(created, NOW)
        if random_() < 0.6:
            address: tuple = (*self.pick(pool.addresses), country.code)
        else:
            address = (None, None, None, None, None, country.code if random_() < 0.5 else None)
        birth = (
            self.day(NOW - self.between(22 * 365 * DAY, 70 * 365 * DAY))
            if random_() < 0.3
            else None
        )
        chunk[CUSTOMERS.name].append(
            (customer_id, first, last, email,
             self.phone(country) if random_() < 0.85 else None,
             self.pick(self.job_titles) if random_() < 0.9 else None,
             company_id, stage.value, owner, self.pick(self.source_table).value, birth,
             int(random_() < 0.55), json_text(tags), json_text(custom),
             self.dt(deleted) if deleted is not None else None, *address, 1,
             self.dt(created), self.dt(updated))
        )  # fmt: skip

        activity = self.activity()
        history = self.history
        caps = self.caps
        deals = self.opportunities(
            customer_id, company_id, company, owner, first, last, country, created, end,
            self.count(history.opportunities * self.opportunity_factor[stage] * activity,
                       caps["opportunities"]),
        )  # fmt: skip
        self.interactions(
            customer_id, owner, created, end, deals,
            self.count(history.interactions * self.interaction_factor[stage] * activity,
                       caps["interactions"]),
        )  # fmt: skip
        self.orders(
            customer_id, country, created, end,
            self.count(history.orders * self.order_factor[stage] * activity, caps["orders"]),
        )  # fmt: skip

    def opportunities(
        self,
        customer_id: int,
        company_id: int | None,
        company: int,
        owner: int | None,
        first: str,
        last: str,
        country: Country,
        created: int,
        end: int,
        count: int,
    ) -> list[tuple[int, int]]:
        """Opportunities of one customer; returns (id, created) for linking interactions."""
        rng = self.rng
        rows = self.chunk[OPPORTUNITIES.name]
        account = self.company_names[company] if company >= 0 else f"{first} {last}"
        deals = []
        # Sorted so that ids follow creation time, as they do in a real database.
        for opened in sorted(self.between(created, end) for _ in range(count)):
            deal_id = self.take_id(OPPORTUNITIES)
            age = NOW - opened
            stage = self.pick(self.recent_deal_table if age < 180 * DAY else self.old_deal_table)
            # Log-normal amounts: a median around 12k with a few very large deals.
            amount = min(2_000_000, max(500, int(math.exp(rng.gauss(9.4, 1.0)))))
            amount = price_point(amount * 100) if amount < 1000 else amount // 50 * 5000
            if stage in CLOSED_STAGES:
                closed = opened + int(rng.random() * min(240 * DAY, age))
                expected = closed
                updated = closed
            else:
                closed = None
                expected = opened + self.between(30 * DAY, 180 * DAY)
                updated = self.between(opened, min(NOW, opened + 90 * DAY))
            rows.append(
                (deal_id, customer_id, company_id,
                 owner if rng.random() < 0.8 else self.pick(self.sellers),
                 f"{account}: {self.pick(self.product_names)} {self.pick(DEAL_KINDS)}",
                 cents(amount), country.currency, stage.value, STAGE_PROBABILITY[stage],
                 self.day(expected), self.dt(closed) if closed is not None else None,
                 self.pick(LOST_REASONS) if stage is OpportunityStage.CLOSED_LOST else None,
                 1, self.dt(opened), self.dt(updated))
            )  # fmt: skip
            deals.append((deal_id, opened))
        return deals

    def interactions(
        self,
        customer_id: int,
        owner: int | None,
        created: int,
        end: int,
        deals: list[tuple[int, int]],
        count: int,
    ) -> None:
        """Touch points of one customer, in time order, some tied to an opportunity."""
        rng = self.rng
        random_ = rng.random
        pick = self.pick
        dt = self.dt
        rows = self.chunk[INTERACTIONS.name]
        # Churned customers go quiet after their end; a few touch points come later.
        times = sorted(
            self.between(created, end) if random_() < 0.9 else self.between(created, NOW)
            for _ in range(count)
        )
        for occurred in times:
            channel = pick(self.channel_table)
            duration = None
            outcome = None
            if channel is Channel.NOTE:
                direction = Direction.INTERNAL
            elif channel is Channel.WEB_VISIT:
                direction = Direction.INBOUND
            else:
                direction = Direction.INBOUND if random_() < 0.4 else Direction.OUTBOUND
            if channel is Channel.CALL:
                duration = min(5400, max(20, int(math.exp(rng.gauss(5.9, 0.9)))))
                outcome = pick(CALL_OUTCOMES)
            elif channel is Channel.MEETING:
                duration = pick((1800, 1800, 2700, 3600, 3600, 5400)) + rng.randint(-300, 600)
                outcome = pick(MEETING_OUTCOMES)
            elif channel is Channel.EMAIL and direction is Direction.OUTBOUND:
                outcome = pick(EMAIL_OUTCOMES) if random_() < 0.6 else None
            if channel is Channel.WEB_VISIT:
                author = None
            else:
                author = owner if owner is not None and random_() < 0.6 else pick(self.staff)
            deal = None
            if deals and random_() < 0.4:
                deal_id, opened = pick(deals)
                if opened <= occurred:
                    deal = deal_id
            logged = min(NOW, occurred + int(random_() * 600 * SECOND))
            rows.append(
                (self.take_id(INTERACTIONS), customer_id, author, deal, channel.value,
                 direction.value, pick(self.subjects[channel]),
                 pick(self.bodies) if channel is not Channel.WEB_VISIT else None,
                 dt(occurred), duration, outcome, 1, dt(logged), dt(logged))
            )  # fmt: skip

    def orders(
        self, customer_id: int, country: Country, created: int, end: int, count: int
    ) -> None:
        """Orders of one customer with 1-6 items; totals computed from the items."""
        rng = self.rng
        random_ = rng.random
        pick = self.pick
        dt = self.dt
        order_rows = self.chunk[ORDERS.name]
        item_rows = self.chunk[ORDER_ITEMS.name]
        currency = country.currency
        prices = self.product_prices[currency]
        tax_bp = pick(country.tax_rates_bp)
        for opened in sorted(self.between(created, end) for _ in range(count)):
            order_id = self.take_id(ORDERS)
            status = pick(
                self.recent_order_table if NOW - opened < 14 * DAY else self.old_order_table
            )
            if status is OrderStatus.DRAFT:
                placed = None
                updated = self.between(opened, min(NOW, opened + 3 * DAY))
            else:
                placed = min(NOW, opened + int(random_() * 2 * DAY))
                later = {
                    OrderStatus.PLACED: 0,
                    OrderStatus.PAID: 5 * DAY,
                    OrderStatus.SHIPPED: 10 * DAY,
                    OrderStatus.CANCELLED: 7 * DAY,
                    OrderStatus.REFUNDED: 60 * DAY,
                }[status]
                updated = min(NOW, placed + int(random_() * later))
            stamp = dt(opened)
            subtotal = 0
            products = dict.fromkeys(
                pick(self.product_table) for _ in range(pick(self.item_count_table))
            )
            for product in products:
                quantity = (
                    1 if random_() < 0.6 else rng.randint(1, self.product_max_quantity[product])
                )
                unit = prices[product]
                line = quantity * unit
                subtotal += line
                item_rows.append(
                    (self.take_id(ORDER_ITEMS), order_id, self.product_ids[product], quantity,
                     cents(unit), cents(line), 1, stamp, stamp)
                )  # fmt: skip
            tax = (subtotal * tax_bp + 5000) // 10000
            order_rows.append(
                (order_id, f"SO-{order_id:08d}", customer_id, status.value, currency,
                 cents(subtotal), cents(tax), cents(subtotal + tax),
                 dt(placed) if placed is not None else None, 1, stamp, dt(updated))
            )  # fmt: skip
