"""The words of the demo: people, categories, self-service routes and problem stories.

Everything here is invented. Emails use the reserved example.com/example.org domains,
mobiles the 07700 900xxx range and landlines the 0113 496 0xxx range Ofcom keeps for
drama, so nothing in a demo can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.domain import Cause, RouteKind

# name, email, phone, department (None for an external customer)
CUSTOMERS: list[tuple[str, str, str, str | None]] = [
    ("Priya Shah", "priya.shah@example.com", "07700 900114", None),
    ("Tom Okafor", "tom.okafor@example.org", "07700 900231", None),
    ("Megan Lloyd", "megan.lloyd@example.com", "07700 900378", None),
    ("Daniel Novak", "daniel.novak@example.org", "07700 900402", None),
    ("Fatima Rahman", "fatima.rahman@example.com", "07700 900519", None),
    ("George Whitfield", "george.whitfield@example.org", "07700 900627", None),
    ("Hannah Byrne", "hannah.byrne@example.com", "07700 900735", None),
    ("Oliver Mensah", "oliver.mensah@example.org", "07700 900846", None),
    ("Sophie Laurent", "sophie.laurent@example.com", "07700 900958", None),
    ("Ravi Patel", "ravi.patel@example.org", "07700 900063", None),
    ("Kate Morgan", "kate.morgan@example.com", "07700 900172", "Warehouse, Leeds"),
    ("Ben Adeyemi", "ben.adeyemi@example.com", "07700 900289", "Finance"),
    ("Laura Chen", "laura.chen@example.com", "07700 900394", "Marketing"),
    ("Mark Davies", "mark.davies@example.com", "07700 900481", "Store operations"),
    ("Nadia Kowalski", "nadia.kowalski@example.com", "07700 900597", "HR and payroll"),
]
DEMO_CUSTOMER_PHONE = "07700 900001"

DELIVERIES = "Deliveries"
BILLING = "Billing"
FAULTS = "Product faults"
RETURNS = "Returns & refunds"
ACCOUNT = "Account & login"
INTERNAL = "Internal systems"

CATEGORIES: list[tuple[str, str]] = [
    (DELIVERIES, "Late, missing, damaged or wrong deliveries."),
    (BILLING, "Invoices, payments, double charges and discount codes."),
    (FAULTS, "Things that arrived working and then stopped, or never worked."),
    (RETURNS, "Sending things back and getting the money back."),
    (ACCOUNT, "Signing in, passwords, email addresses and marketing choices."),
    (INTERNAL, "Problems other departments report with our systems and procedures."),
]


def _text(*lines: str) -> str:
    """An article body: one argument per line, so the source stays readable."""
    return "\n".join(lines)


@dataclass(frozen=True)
class RouteText:
    kind: RouteKind
    title: str
    summary: str
    keywords: str
    body: str = ""
    contact: str = ""


ROUTES: list[RouteText] = [
    RouteText(
        RouteKind.ARTICLE,
        "Track a late delivery",
        "Where your parcel is, what the tracking words mean, and when to tell us.",
        "parcel late delivery delivered tracking track courier delayed order arrived "
        "missing where shipping dispatch driver",
        body=_text(
            "Most late parcels are a day behind, not lost.",
            "",
            "1. Open the email we sent when your order left the warehouse and follow the "
            "tracking link. You can also find it under My orders.",
            '2. "In transit" means the courier has it. "At local depot" means it should reach'
            ' you on the next working day. "Delivery attempted" means the driver called: look'
            " for a card with a collection point or a new date.",
            "3. Check with neighbours and any safe place you gave us; drivers photograph "
            "parcels they leave.",
            "4. If the tracking has not moved for 3 working days, or says delivered and you "
            "do not have it, raise a problem with your order number. We will chase the "
            "courier and, if needed, send a replacement or refund you. You never need to pay "
            "twice.",
        ),
    ),
    RouteText(
        RouteKind.ARTICLE,
        "How refunds work",
        "How long a refund takes to reach you, and what to do if it has not arrived.",
        "refund refunded money back received returned card bank credit paid "
        "reimburse cancel cancelled",
        body=_text(
            "We refund to the card or account you paid with, never in cash.",
            "",
            "- We start the refund within 2 working days of receiving your return, or "
            "straight away when we cancel an order.",
            "- Your bank then takes 3 to 5 working days to show it; some credit cards take up"
            " to 10.",
            "- You get an email the day we send it, with the amount and a refund reference.",
            "- Gift cards and vouchers are refunded to a new gift card, emailed to you.",
            "",
            'Not there after 10 working days? Check your statement for "NORTHWIND REFUND", '
            "then raise a problem with the refund reference from our email. If the card you "
            "paid with has been cancelled, your bank will pass the money to your new card.",
        ),
    ),
    RouteText(
        RouteKind.ARTICLE,
        "Reset your password",
        "Get back into your account when you cannot log in.",
        "password login log sign signin account locked reset forgot forgotten email access code",
        body=_text(
            '1. On the sign-in page choose "Forgot your password?" and enter the email '
            "address you registered with.",
            "2. The reset email arrives within 10 minutes. Check spam or junk, and search for"
            ' "Northwind".',
            "3. The link works once and for 1 hour. Choose a password of at least 10 characters.",
            "4. After 5 wrong tries your account locks for 15 minutes. Wait, then try again: "
            "contacting us will not unlock it sooner.",
            "",
            "If the email never arrives, you may have registered with a different address. "
            "Raise a problem and tell us the addresses you might have used; we will check "
            "them and never ask for your password.",
        ),
    ),
    RouteText(
        RouteKind.ARTICLE,
        "Kettle or toaster not heating: quick checks",
        "Five checks that fix most small appliances that stopped working.",
        "kettle toaster heating heat stopped working broken fuse plug power switch "
        "appliance faulty boil dead light",
        body=_text(
            'Before you send anything back, try these; they fix about a third of "dead" '
            "appliances.",
            "",
            "1. Plug something else into the same socket to check it works, and switch the "
            "socket on.",
            "2. Kettles: sit the kettle squarely on its base and make sure the lid is fully "
            "closed; most stop if the lid is open. Let it cool for 10 minutes: the safety "
            "cut-out resets once it is cold.",
            "3. Toasters: the lever only stays down when the toaster is plugged in and "
            "switched on. Empty the crumb tray: a full tray can trip the cut-out.",
            "4. Check the fuse in the plug (13A for kettles, 10A or 13A for toasters) if you "
            "have a spare.",
            "5. Limescale can stop a kettle's thermostat. Descale it with equal parts water "
            "and vinegar.",
            "",
            "Still not heating? Raise a problem with your order number. In the first 30 days "
            "we replace or refund it; after that it is covered by the manufacturer's "
            "warranty.",
        ),
    ),
    RouteText(
        RouteKind.ARTICLE,
        "Send something back",
        "Our 30-day returns, free labels and what happens to your refund.",
        "return returns send back unwanted label exchange wrong item size collection parcel shop",
        body=_text(
            "You can return most things within 30 days of delivery, for any reason.",
            "",
            '1. Go to My orders, choose the item and "Return it". Pick a drop-off point or a '
            "free collection.",
            "2. Print the label, or show the QR code at a parcel shop: no printer needed.",
            "3. Pack it securely; the original box is best but not required.",
            "4. Keep the receipt the parcel shop gives you until your refund arrives.",
            "",
            "Faulty items can be returned at any time in the first 6 months. Personalised "
            "goods and opened hygiene products cannot be returned unless they are faulty.",
        ),
    ),
    RouteText(
        RouteKind.ARTICLE,
        "Understanding your bill",
        "What each line on an invoice means, and why a payment can appear twice.",
        "invoice bill billing charged twice double charge payment pending vat receipt statement",
        body=_text(
            'A charge that appears twice is usually a "pending" card check, not a second '
            "payment: your bank releases it within 5 working days.",
            "",
            "- Pending payments have no final date on your statement; real payments do.",
            "- Orders sent in two parcels are charged in two parts, one when each parcel "
            "leaves us.",
            "- Every invoice shows VAT separately; business customers can download a VAT "
            "invoice from My orders.",
            "",
            "If two payments with final dates are still there after 5 working days, raise a "
            "problem and attach a screenshot of your statement with other lines hidden.",
        ),
    ),
    RouteText(
        RouteKind.CHANNEL,
        "Phone our customer team",
        "Talk it through with a person, in the UK, at the cost of a local call.",
        "phone call ring speak talk person urgent number telephone",
        contact="0113 496 0000: Monday to Friday 8am to 8pm, Saturday 9am to 5pm",
    ),
    RouteText(
        RouteKind.CHANNEL,
        "Live chat",
        "Quick questions answered in a few minutes while you browse.",
        "chat live online quick question instant message help",
        contact="The chat button on every page: every day 8am to 10pm",
    ),
    RouteText(
        RouteKind.SPECIALIST,
        "Billing specialists",
        "For double charges, payment disputes and business invoices.",
        "billing charged twice overcharged double direct debit invoice payment dispute "
        "vat business",
        contact="billing@example.com, or ask any agent to pass your problem on",
    ),
    RouteText(
        RouteKind.SPECIALIST,
        "Account security team",
        "If you think someone else has used your account or card.",
        "hacked fraud unauthorised suspicious account security stolen card scam phishing",
        contact="0113 496 0077 (24 hours) or security@example.com",
    ),
    RouteText(
        RouteKind.OUTSIDE_BODY,
        "Manufacturer's warranty",
        "Appliances are guaranteed by their maker for 1 to 5 years after our 30 days.",
        "warranty guarantee manufacturer faulty broken stopped working repair defect "
        "appliance kettle toaster vacuum year",
        contact="The maker's details are in the box and on the product page under "
        "'Warranty'; have your order number ready as proof of purchase",
    ),
    RouteText(
        RouteKind.OUTSIDE_BODY,
        "Ombudsman and Citizens Advice",
        "Free, independent help if we have not been able to sort out your complaint.",
        "complaint ombudsman dispute unresolved unhappy escalate rights consumer "
        "advice independent",
        contact="Citizens Advice consumer helpline 0808 223 1133; the Retail Ombudsman "
        "after 8 weeks or our final response letter",
    ),
]

# What customers type, for counting people helped by a route without a ticket.
DEFLECTION_QUERIES = [
    "my parcel is late",
    "where is my order, tracking has not moved",
    "refund not received yet",
    "how long does a refund take",
    "forgot my password",
    "can't log in to my account",
    "kettle stopped working",
    "toaster not heating",
    "how do I send back a jacket",
    "charged twice for one order",
    "what are your phone opening hours",
    "warranty on my vacuum",
]


@dataclass(frozen=True)
class Story:
    """One kind of customer problem, told at every step it can reach.

    Placeholders: {product}, {order}, {days}, {amount}, {name} (the customer's first name).
    """

    category: str
    cause: Cause
    subjects: tuple[str, ...]
    description: str
    need: str
    impact: str
    feeling: str
    question: str
    answer: str
    options: str
    offer: str
    agreed: str
    fix: str
    resolved: str
    unresolved: str
    products: tuple[str, ...] = ("cordless kettle", "4-slice toaster", "stand mixer")
    has_order: bool = True
    exception: bool = False  # an option outside policy, so a supervisor must approve


APPLIANCES = ("1.7L cordless kettle", "4-slice toaster", "2-slice toaster", "glass kettle")
BIG_ITEMS = ("cordless vacuum", "air fryer", "bean-to-cup coffee machine", "office chair")

CUSTOMER_STORIES: list[Story] = [
    Story(
        DELIVERIES,
        Cause.RESOURCES,
        ("Parcel still not arrived", "Order {order} is late", "Where is my delivery?"),
        "I ordered a {product} (order {order}) and it should have come {days} days ago. "
        "The tracking has said 'at local depot' ever since. I've stayed in twice for it.",
        "your {product} delivered, or a firm date for it",
        "you have taken time off to wait in and still have nothing",
        "fed up, and worried the parcel is lost",
        "Sorry for the wait. Can you confirm the delivery address, and is there a safe "
        "place we can ask the courier to use?",
        "The address on the order is right. The porch is fine if nobody answers.",
        "Options: chase the courier and wait 48 hours; send a replacement by next-day "
        "courier now; cancel and refund in full.",
        "Here are your choices: (1) we send a replacement today by next-day courier, free; "
        "(2) we wait 48 hours while the courier traces it; (3) we cancel and refund you in "
        "full. We recommend (1) so you are not kept waiting again.",
        "Please send the replacement.",
        "Replacement dispatched by next-day courier; trace opened on the first parcel.",
        "Your replacement {product} was delivered this morning and signed for. If the first "
        "parcel turns up, refuse it and it will come back to us. Is everything sorted?",
        "We traced the parcel with the courier twice and it has not been found, and the "
        "{product} is now out of stock with no date for more. We have refunded you in full "
        "(3 to 5 working days). You can set a back-in-stock alert on the product page, and "
        "the 'Track a late delivery' guide explains what to do if the parcel appears.",
        products=APPLIANCES + BIG_ITEMS,
    ),
    Story(
        DELIVERIES,
        Cause.RESOURCES,
        ("Parcel arrived damaged", "Box crushed and {product} broken"),
        "The box for order {order} was crushed when it arrived and the {product} inside "
        "is cracked. I took photos before unpacking it.",
        "a {product} that arrives in one piece",
        "you cannot use what you paid for",
        "disappointed, especially as it was a present",
        "Thank you for taking photos. Could you attach one of the box and one of the damage?",
        "Photos attached: the box corner is crushed and the side panel is split.",
        "Options: replacement sent now; refund on collection; 20% goodwill credit if they keep it.",
        "We can (1) send a replacement today and collect the damaged one at the same time, "
        "or (2) collect it and refund you in full. We recommend (1).",
        "A replacement please, collected at the same time.",
        "Replacement booked with a swap collection; courier damage claim raised.",
        "The courier swapped the damaged {product} for the new one today. Is the new one "
        "in good order?",
        "The {product} is discontinued, so we cannot replace it, and you did not want a "
        "different model. We have refunded you in full and collected the damaged one. "
        "Our phone team can help you choose an alternative if you change your mind.",
        products=APPLIANCES + BIG_ITEMS,
    ),
    Story(
        DELIVERIES,
        Cause.RESOURCES,
        ("Wrong item delivered", "Sent the wrong thing on order {order}"),
        "I ordered a {product} but the box contained a bathroom scale. Order {order}.",
        "the {product} you ordered, and the wrong item taken away",
        "you are still without the {product} and have something you do not want",
        "annoyed at having to sort out our mistake",
        "Sorry about that. Is the scale unopened, so we can collect it as it is?",
        "Yes, it's still sealed.",
        "Options: send the right item next-day and collect the wrong one; refund.",
        "We can send the right {product} by next-day courier and collect the scale at the "
        "same time, at no cost to you. Or we refund you in full. We recommend the swap.",
        "The swap, please.",
        "Correct item picked and checked by a supervisor; swap collection booked.",
        "The right {product} was delivered and the scale collected. Anything else?",
        "The {product} is out of stock across all our warehouses. We have refunded you in "
        "full and collected the wrong item; we are sorry we could not do more.",
        products=APPLIANCES + BIG_ITEMS,
    ),
    Story(
        DELIVERIES,
        Cause.EXPECTATIONS,
        ("Can I get a Sunday delivery?", "Need delivery at the weekend"),
        "I work Monday to Saturday and nobody is home. Can order {order} be delivered on a "
        "Sunday? The checkout won't let me pick one.",
        "delivery at a time someone is home",
        "you cannot be in on any day we offer",
        "frustrated that the checkout offers nothing that suits you",
        "Is there a neighbour, a safe place, or a parcel locker near you that you could use?",
        "There's a parcel locker at the station on my way home.",
        "Options: parcel locker delivery; named neighbour; evening slot via courier partner.",
        "Our couriers do not deliver on Sundays, sorry. We can send it to the station "
        "parcel locker (free, kept for 7 days) or to a neighbour you name.",
        "The locker is perfect.",
        "Delivery changed to the station parcel locker.",
        "Your parcel is in locker 14 at the station; the code was texted to you. All good?",
        "We cannot offer Sunday delivery, and the locker and neighbour options did not suit "
        "you. We have cancelled the order and refunded you in full. Some of our products "
        "are also sold in high street shops open on Sundays.",
    ),
    Story(
        BILLING,
        Cause.SYSTEM,
        ("Charged twice for one order", "Two payments taken for order {order}"),
        "My card statement shows two payments of £{amount} for order {order}, both with "
        "the same date. I only placed one order.",
        "the second payment of £{amount} refunded",
        "£{amount} of your money is tied up and you are short this month",
        "worried and cross",
        "Could you tell us the last four digits of the card, and whether both payments "
        "show a final date or one is 'pending'?",
        "Card ends 4417. Both have final dates, not pending.",
        "Options: refund the duplicate now; refund plus £10 goodwill for the trouble.",
        "We have found the duplicate payment. We will refund £{amount} today and add a £10 "
        "credit to your account for the trouble. Is that acceptable?",
        "Yes, thank you.",
        "Duplicate payment refunded; payment provider incident reference added.",
        "The refund of £{amount} went back to your card ending 4417 today; banks take 3 to 5 "
        "working days to show it. Can you confirm once it is there?",
        "Our records and the payment provider's show only one payment of £{amount} was "
        "taken; the second line on your statement is your bank's. Our billing specialists "
        "checked it twice. Your bank can look into it under a 'disputed transaction', and "
        "we have sent you a letter confirming the single payment to support that.",
    ),
    Story(
        BILLING,
        Cause.RESOURCES,
        ("Refund not received", "Still waiting for my refund", "Where is my refund?"),
        "You collected the return for order {order} {days} days ago and the email said "
        "I'd get £{amount} back, but nothing has reached my account.",
        "the £{amount} refund in your account",
        "you have paid for something you no longer have",
        "let down, and unsure whether the return arrived",
        "Do you have the collection receipt or reference the driver gave you?",
        "Yes, the reference is on the receipt: RTN-55{days}01.",
        "Options: push the refund through manually today; wait for the warehouse check.",
        "The warehouse received your return but the refund was not started. We can send "
        "it today by hand. Shall we go ahead?",
        "Yes please.",
        "Refund of £{amount} sent manually; warehouse told about the missed step.",
        "Your £{amount} refund was sent today (reference in your email). It takes 3 to 5 "
        "working days to show. Please confirm when it arrives.",
        "The return has not reached our warehouse and the courier cannot find it, so we "
        "cannot refund yet. We have opened a claim with the courier, which takes up to 28 "
        "days. Citizens Advice can explain your rights if this takes longer.",
    ),
    Story(
        BILLING,
        Cause.EXPECTATIONS,
        ("Price dropped after I bought it", "Can I get the difference back?"),
        "I bought a {product} for £{amount} and {days} days later it's £30 cheaper in the "
        "sale. Can I have the difference refunded?",
        "the sale price you see now",
        "you feel you paid more than other customers",
        "unhappy, feeling you were unlucky with the timing",
        "Is the {product} still unopened?",
        "It's opened but I've used it twice.",
        "Options: price match as an exception; return for a refund and reorder; voucher.",
        "We don't price-match after purchase, but as a one-off we can refund the £30 "
        "difference to your card. Or you can return it unused-condition within 30 days.",
        "I'll take the £30 back, thanks.",
        "£30 difference refunded as an approved exception.",
        "We've refunded the £30 difference to your card. Is that everything?",
        "Our price promise only covers the day of purchase, and the item has been used, so "
        "we cannot refund the difference or take it back as unwanted. You can still return "
        "it if a fault appears. The 'How refunds work' article explains our policy.",
        products=BIG_ITEMS,
        exception=True,
    ),
    Story(
        BILLING,
        Cause.SYSTEM,
        ("Discount code didn't work", "Code not applied at checkout"),
        "I used the code from your email at checkout for order {order} and it said "
        "'applied' but I was charged the full £{amount}.",
        "the 15% discount you were promised",
        "you paid more than the email said you would",
        "misled by our email",
        "Could you forward us the email with the code in it?",
        "Forwarded. The code is SPRING15.",
        "Options: refund the 15%; credit to account.",
        "The code should have worked. We can refund 15% to your card now. Shall we?",
        "Yes, to my card please.",
        "15% of the order refunded; checkout fault reported to the web team.",
        "The 15% has gone back to your card. Is that sorted for you?",
        "The code in your email had expired the day before you ordered, so it could not "
        "apply. Our phone team can tell you about current offers.",
    ),
    Story(
        FAULTS,
        Cause.OTHER,
        ("Kettle stopped working", "{product} won't heat up", "Kettle not heating"),
        "My {product} from order {order} stopped heating after {days} days. The light "
        "comes on but the water stays cold.",
        "a {product} that heats",
        "you cannot make a hot drink at home",
        "irritated that it failed so soon",
        "Have you tried the quick checks: lid closed, sitting flat on the base, and left "
        "to cool for 10 minutes?",
        "Yes, all of those. Still cold.",
        "Options: replacement; refund; repair under warranty.",
        "As it failed within 30 days we can (1) send a replacement now and collect the "
        "faulty one, or (2) refund you in full. We recommend the replacement.",
        "Replacement please.",
        "Replacement sent; faulty unit returned to the manufacturer with the fault noted.",
        "Your new {product} was delivered today and the faulty one collected. Is it working?",
        "Your {product} is beyond our 30 days, so we cannot replace it ourselves. The "
        "manufacturer's warranty covers it for 2 years: their details are in the box, and "
        "we have emailed you your proof of purchase to send them.",
        products=APPLIANCES,
    ),
    Story(
        FAULTS,
        Cause.OTHER,
        ("Toaster only browns one side", "{product} burning one side"),
        "The {product} (order {order}) toasts one side black and leaves the other white. "
        "It's the same in every slot.",
        "a {product} that toasts evenly",
        "breakfast is wasted every morning",
        "annoyed, as it was not cheap",
        "Is the crumb tray in place and empty? A tray left out can stop one element.",
        "It's in and empty.",
        "Options: replacement; refund; partial refund if they keep it.",
        "We can send a replacement, refund you, or refund £10 if you'd rather keep it. We "
        "recommend a replacement.",
        "I'll have a replacement.",
        "Replacement dispatched, faulty unit collected.",
        "The replacement {product} is with you. Does it toast evenly now?",
        "The manufacturer confirms uneven browning is within their tolerance for this "
        "model, so we cannot treat it as faulty after 30 days. The manufacturer's "
        "warranty team will look at it if it gets worse.",
        products=APPLIANCES,
    ),
    Story(
        FAULTS,
        Cause.EXPECTATIONS,
        ("Vacuum battery dies after 10 minutes", "Battery fault on {product}"),
        "I bought a {product} 14 months ago (order {order}). The battery now lasts 10 "
        "minutes instead of 40. I'd like a new one free.",
        "a battery that lasts as long as it did",
        "you cannot clean the whole house on a charge",
        "disappointed with an expensive product",
        "Does it still last 10 minutes from a full overnight charge?",
        "Yes, charged overnight, 10 minutes.",
        "Options: manufacturer warranty claim; goodwill 20% off a new battery (exception).",
        "Our own cover ends at 12 months, but the maker guarantees the battery for 2 "
        "years. We can make the warranty claim for you, or sell you a battery at 20% off.",
        "Please make the warranty claim.",
        "Warranty claim submitted to the manufacturer on the customer's behalf.",
        "The manufacturer is sending you a new battery directly; it should arrive in 3 "
        "days. Please confirm it fixes the problem.",
        "The manufacturer found the battery had been charged with a non-original charger, "
        "which their warranty does not cover. We cannot override that. Citizens Advice "
        "can tell you whether you have other rights under the Consumer Rights Act.",
        products=("cordless vacuum", "cordless stick vacuum"),
        exception=True,
    ),
    Story(
        FAULTS,
        Cause.RESOURCES,
        ("Parts missing from the box", "{product} missing pieces"),
        "The {product} from order {order} came without the power lead and the manual.",
        "the missing parts",
        "you cannot use the {product} at all",
        "frustrated: it felt like an opened return",
        "Was the box sealed with our tape when it arrived?",
        "No, the tape had been cut and re-taped.",
        "Options: send the missing parts; full replacement; refund.",
        "It looks like you were sent a returned item by mistake. We'll send a brand new "
        "one and collect this one. Is that OK?",
        "Yes, a new one please.",
        "New unit sent; warehouse asked to check returned stock before resale.",
        "Your new {product} arrived complete. Is everything there this time?",
        "We have no complete units left and the parts are not sold separately. We have "
        "refunded you in full and collected the incomplete one.",
        products=BIG_ITEMS,
    ),
    Story(
        RETURNS,
        Cause.SYSTEM,
        ("Can't print my returns label", "Returns label not working"),
        "I'm trying to return order {order} but the 'Return it' button gives an error and "
        "no label.",
        "a returns label",
        "you cannot send the item back within the 30 days",
        "worried about missing the deadline",
        "Which item are you returning, and do you want a drop-off or a collection?",
        "The {product}, drop-off at the post office please.",
        "Options: email a label by hand; book a collection.",
        "We can email you a label today and extend your return window by 14 days.",
        "Yes, email it please.",
        "Label emailed by hand; return window extended; web error reported.",
        "The label is in your inbox and your return window now runs 14 days longer. Did "
        "the drop-off go through?",
        "This item was bought through a marketplace seller, not from us, so we cannot "
        "issue a label. The seller's contact details are on your order page, and the "
        "marketplace's own help team can step in if they do not reply.",
        products=APPLIANCES + BIG_ITEMS,
    ),
    Story(
        RETURNS,
        Cause.EXPECTATIONS,
        ("Return after 30 days", "Can I still send it back?"),
        "I'd like to return the {product} from order {order}. It's {days} days past the 30 "
        "days because I was abroad. It's unused.",
        "to return an unused {product} after the 30 days",
        "you are left with something you do not want",
        "hopeful but expecting a no",
        "Is it still in the original sealed packaging?",
        "Yes, never opened.",
        "Options: accept as an exception for a refund; accept for a gift card only.",
        "Returns close at 30 days, but as it is sealed we can accept it as an exception for "
        "a full refund. Shall we send a label?",
        "Yes, thank you so much.",
        "Late return accepted as an approved exception; label sent.",
        "We received the {product} and refunded you in full. Anything else we can help with?",
        "We cannot accept returns this long after delivery for items that are not faulty. "
        "You might sell it on or give it as a gift; if a fault appears, the manufacturer's "
        "warranty still covers it.",
        products=BIG_ITEMS,
        exception=True,
    ),
    Story(
        RETURNS,
        Cause.RESOURCES,
        ("Return collected but no refund", "Courier took the return, nothing since"),
        "The courier collected my return for order {order} {days} days ago. No refund and "
        "no email since.",
        "confirmation the return arrived and your refund",
        "you are out of pocket and unsure where the item is",
        "anxious that it has gone missing",
        "Do you have the collection reference?",
        "It's on the driver's receipt: COL-88{days}2.",
        "Options: refund now on trust; wait for the warehouse scan.",
        "The warehouse has it but missed the scan. We can refund you today. Go ahead?",
        "Please do.",
        "Refund sent; warehouse scanning step retrained.",
        "Your refund went out today. Please let us know when it reaches you.",
        "The courier has no record of the collection and the driver's receipt reference "
        "does not exist in their system. We have opened a formal claim that takes up to 28 "
        "days. Citizens Advice can help if you are unhappy with the outcome.",
    ),
    Story(
        ACCOUNT,
        Cause.SYSTEM,
        ("Can't log in", "Password reset email never arrives", "Locked out of my account"),
        "I can't log in. I've asked for a password reset three times but no email comes. "
        "I've checked spam.",
        "to get back into your account",
        "you cannot see your orders or track a delivery",
        "shut out and fed up of trying",
        "Which email address did you register with? Could there be another one?",
        "It's my usual address; I don't have another.",
        "Options: send the reset by hand after an identity check; fix the email block.",
        "Your email provider was blocking our reset emails. We can send you a one-time "
        "link by hand after checking your identity with your last order number.",
        "Yes, my last order was {order}.",
        "Identity checked against the last order; one-time link sent by hand.",
        "You should have the one-time link now; it works for an hour. Could you sign in "
        "and confirm it worked?",
        "We cannot find an account for any address you have given us, and without one we "
        "cannot reset a password. You may have ordered as a guest: your orders can still "
        "be tracked with the link in the order email, and our phone team can help.",
        has_order=False,
    ),
    Story(
        ACCOUNT,
        Cause.OTHER,
        ("Change the email on my account", "New email address"),
        "I've changed email provider and can't get into the old address. Please move my "
        "account to my new email.",
        "your account on your new email address",
        "order emails go to an address you cannot read",
        "a bit anxious about missing messages",
        "To check it is you, could you give us the postcode and the last order number?",
        "Postcode LS1 4AB, last order {order}.",
        "Options: change it after the identity check; set up a new account.",
        "Thanks, that matches. We can move your account to the new address now.",
        "Yes please.",
        "Email address changed after identity check; confirmation sent to both addresses.",
        "Your account now uses your new address. Could you sign in to confirm?",
        "The details given did not match the account, so for its safety we cannot change "
        "the email. The Account security team can verify you by phone.",
        has_order=False,
    ),
    Story(
        ACCOUNT,
        Cause.SYSTEM,
        ("Still getting marketing emails", "Unsubscribed but emails keep coming"),
        "I unsubscribed {days} days ago and I'm still getting your sales emails every day.",
        "the marketing emails stopped",
        "your inbox fills with emails you said no to",
        "ignored, and annoyed",
        "Could you forward one of the recent emails so we can see which list sent it?",
        "Forwarded the one from this morning.",
        "Options: remove from all lists by hand; report the fault.",
        "We'll remove you from every marketing list by hand today.",
        "Thanks.",
        "Removed from all lists by hand; unsubscribe fault reported to marketing.",
        "You're off every list now. It can take 48 hours for sends already queued. Have "
        "they stopped?",
        "The emails come from a partner company you signed up with, not from us, so we "
        "cannot stop them. Their unsubscribe link is at the foot of each email.",
        has_order=False,
    ),
]

# Problems other departments raise: the customer is a colleague.
COLLEAGUE_STORIES: list[Story] = [
    Story(
        INTERNAL,
        Cause.SYSTEM,
        ("Stock figures wrong in the warehouse system", "Picking list shows phantom stock"),
        "The stock system says we have 40 {product}s in bay C but there are none on the "
        "shelf. Pickers keep being sent to an empty bay and orders are going out late.",
        "stock figures that match the shelves",
        "orders are delayed and pickers waste time",
        "under pressure from the backlog",
        "Which bays are affected, and since when?",
        "Bays C1 to C4 since Monday's stock take.",
        "Options: recount bays C1-C4 tonight; roll back Monday's stock take import.",
        "We can roll back Monday's import for bays C1-C4 and recount them tonight.",
        "Go ahead with both.",
        "Import rolled back; night team recounted C1-C4.",
        "Figures now match the recount. Can you confirm pickers are getting correct lists?",
        "The stock system supplier will not change the import until their next release in "
        "three months. A manual recount of C1-C4 each Monday is in place until then.",
        products=APPLIANCES + BIG_ITEMS,
        has_order=False,
    ),
    Story(
        INTERNAL,
        Cause.SYSTEM,
        ("Month-end refunds report won't run", "Refund report times out"),
        "The month-end refunds report times out every time I run it. I need it for the "
        "accounts close in {days} days.",
        "the refunds report for month end",
        "the accounts close is at risk",
        "worried about the deadline",
        "Does it fail for every date range, or only the full month?",
        "Only the full month; a week at a time works.",
        "Options: run it overnight; run it in four weekly parts and combine.",
        "We can run the full month overnight and email it to you by 8am.",
        "Overnight is fine.",
        "Report scheduled overnight; query slowness logged with IT.",
        "The report is in your inbox. Does it have everything you need?",
        "The report system is being replaced next quarter and will not be changed before "
        "then. Running it a week at a time works and IT has written up the steps.",
        has_order=False,
    ),
    Story(
        INTERNAL,
        Cause.RESOURCES,
        ("New starter needs system access by Monday", "Access for a new team member"),
        "We have a new starter on Monday who needs the order system and email. The access "
        "request went in {days} days ago and nothing has happened.",
        "system access ready for Monday",
        "a new colleague could sit idle on their first day",
        "stressed about a poor first day",
        "What is the starter's name and which team are they joining?",
        "Jo Example, joining customer service.",
        "Options: fast-track the request; temporary shared login (not allowed).",
        "We can fast-track the access request today. Shared logins are not allowed.",
        "Fast-track please.",
        "Access request fast-tracked with IT.",
        "Access is set up and the welcome email sent. All good for Monday?",
        "IT could not set up access in time because the starter's contract is not signed "
        "yet. HR can chase the contract; access follows within a day.",
        has_order=False,
    ),
    Story(
        INTERNAL,
        Cause.SYSTEM,
        ("Till receipts show the old returns policy", "Wrong returns text on receipts"),
        "Shop receipts still say '14 days to return' when the policy is now 30 days. "
        "Customers are arguing with staff.",
        "receipts showing the right returns policy",
        "shop staff are caught in arguments with customers",
        "embarrassed in front of customers",
        "Is it every till, or only some shops?",
        "Every till in the Leeds and York shops.",
        "Options: push new receipt text to tills tonight; print a notice for counters.",
        "We can push the new receipt text tonight and send a counter notice today.",
        "Both, please.",
        "Receipt text updated on all tills overnight; counter notices sent.",
        "Receipts now show 30 days. Can you check one from each shop?",
        "The tills in these shops run old software that cannot take new receipt text "
        "until they are replaced in spring. Counter notices stay up until then.",
        has_order=False,
    ),
]


@dataclass(frozen=True)
class Report:
    """A problem staff spotted before customers were affected (origin: internal)."""

    category: str
    cause: Cause
    subject: str
    description: str
    steps: str
    fix: str
    unresolved: str


PROACTIVE_REPORTS: list[Report] = [
    Report(
        DELIVERIES,
        Cause.RESOURCES,
        "Courier depot closure: LS postcodes will be late",
        "The courier's Leeds depot closes for 3 days from tomorrow after a flood. About "
        "120 parcels to LS postcodes will miss their dates.",
        "Moved tomorrow's LS parcels to the second courier; emailed affected customers "
        "with new dates; told the phone team what to say.",
        "All rerouted parcels delivered within a day of the original date.",
        "The second courier had no capacity left; 40 parcels stay a day late. Customers "
        "were told and offered free delivery on their next order.",
    ),
    Report(
        BILLING,
        Cause.SYSTEM,
        "Payment provider may double-charge after timeouts",
        "Three customers today had two payments after the card page timed out. The "
        "provider's status page shows an incident.",
        "Turned off the 'retry payment' button; listed all orders with two payments in the "
        "last 24 hours; informed the finance manager.",
        "Duplicate payments refunded before customers noticed; provider fixed the fault.",
        "The provider cannot say which payments were affected before yesterday; finance "
        "will check statements by hand for the rest of the month.",
    ),
    Report(
        FAULTS,
        Cause.OTHER,
        "Batch of kettles with faulty thermostats (batch K-2291)",
        "Four returns this week for glass kettles from batch K-2291 that will not switch "
        "off. The maker has not issued a recall yet.",
        "Stopped sales of batch K-2291; emailed the maker with the returns data; listed "
        "the 310 customers who bought from the batch.",
        "The maker sent replacement thermostats; customers contacted and offered a swap.",
        "The maker says the batch is within safety limits and will not recall it. We "
        "have stopped selling it and will refund any customer who asks.",
    ),
    Report(
        ACCOUNT,
        Cause.SYSTEM,
        "Password reset emails delayed by the mail provider",
        "Reset emails are arriving 2 hours late for addresses at one large email "
        "provider. No customer has complained yet.",
        "Added a notice to the sign-in page; briefed live chat to send links by hand after "
        "an identity check; raised a ticket with our email sender.",
        "The sender moved us to a new address range; resets arrive within a minute again.",
        "The provider will not change its filtering; the sign-in notice stays.",
    ),
    Report(
        RETURNS,
        Cause.SYSTEM,
        "Returns labels show the old warehouse address",
        "Labels printed since this morning send returns to the warehouse we closed last month.",
        "Turned off label printing for two hours; asked the old site to forward anything "
        "that arrives; told the phone team.",
        "Label template fixed; 23 parcels forwarded from the old site.",
        "The carrier cannot redirect labels already printed; those parcels are forwarded "
        "by hand each week.",
    ),
    Report(
        INTERNAL,
        Cause.RESOURCES,
        "Saturday phone rota short by three people",
        "Three agents are off sick for Saturday and the queue forecast shows waits of "
        "30 minutes or more.",
        "Asked for volunteers for overtime; put a wait-time message on the phone line; "
        "moved two chat agents to phones.",
        "Waits stayed under 10 minutes on Saturday.",
        "No volunteers came forward; the team manager has asked for a bigger relief pool.",
    ),
]

# Short lines that make timelines feel lived in.
CUSTOMER_CHASERS = [
    "Just to add: I've checked my spam folder too.",
    "Any update on this? I still need it sorted.",
    "I forgot to say, this is the second time this has happened.",
    "Adding my phone number in case a call is easier.",
]
STAFF_NOTES = [
    "Checked the order history: first problem on this account.",
    "Called the customer back; no answer, left a voicemail.",
    "Similar problem reported twice this week: keeping an eye on it.",
    "Customer has been very patient; worth a goodwill gesture if it drags on.",
    "Courier portal updated with the customer's notes.",
]
UPDATES = [
    "A quick update: we are still on this and will be back in touch by tomorrow evening.",
    "Just letting you know we have chased this today and expect an answer within a day.",
    "No news yet, but it has not been forgotten: you will hear from us by the end of tomorrow.",
]
CONFIRMATIONS = [
    "Yes, all sorted now. Rated 5/5: quick and friendly.",
    "Confirmed fixed. Rated 4/5: took a while but you kept me informed.",
    "It works. Rated 5/5, thank you.",
    "Sorted, thanks. Rated 3/5: I had to chase once.",
]
NOT_FIXED = [
    "It's not fixed: the problem came back after two days.",
    "Sorry, not solved: it happened again this morning.",
]
NO_RESPONSE = (
    "We asked you to confirm the fix and have not heard back in 7 days, so we have closed "
    "this. If the problem comes back, raise a new one and quote this reference."
)

# A colleague asked to confirm an option: mostly a yes, sometimes a second thought.
COLLEAGUE_CONFIRMS = [
    "Agreed: it is the fairest of the two, and within what we normally offer.",
    "Yes, go with it. I did the same for a customer last week and it worked.",
    "Confirmed. Tell them when to expect it, so they are not left wondering.",
]
COLLEAGUE_CHALLENGES = [
    "Check stock before you offer it: the warehouse was short of that model this morning.",
    "I would add a goodwill credit: this is the second time it has happened to them.",
]
CHALLENGE_ANSWERED = "Checked with the warehouse: stock is there, so the recommendation stands."


@dataclass(frozen=True)
class Solution:
    description: str
    cost_minor: int
    pros_customer: str
    cons_customer: str
    pros_org: str
    cons_org: str


@dataclass(frozen=True)
class ProblemStory:
    """Repeats of one customer story grouped as a problem record, told at every step.

    The first solution is the one chosen; where an approval is refused first, the
    second is chosen after it.
    """

    repeats_of: str  # the first subject of the customer story it groups
    title: str
    root_cause: str
    action: str
    solutions: tuple[Solution, Solution]
    approved: str
    refused: str
    live: str
    closed_early: str  # the reason given when it closes before its monitoring period ends


PROBLEM_STORIES: list[ProblemStory] = [
    ProblemStory(
        "Parcel still not arrived",
        "Parcels stuck 'at local depot' for days",
        "The courier's Leeds depot is short of drivers on two rounds. Parcels scanned in "
        "there wait until a driver is free, and the tracking never moves on.",
        "Asked the courier's account manager for the depot's missed-round figures: two "
        "rounds have gone out unstaffed on most days this month.",
        (
            Solution(
                "Send parcels for LS and BD postcodes with our second courier until the "
                "depot is fully staffed again.",
                35_000,
                "Parcels arrive on the day we promised.",
                "A different courier's tracking page and texts to get used to.",
                "Fewer 'where is my parcel' contacts and fewer replacements sent.",
                "About 40p more per parcel, and £350 to set up the new dispatch rule.",
            ),
            Solution(
                "Stay with the courier and chase every parcel that sits at the depot for "
                "more than a day.",
                0,
                "Someone is watching their parcel.",
                "It is still late, and they may still wait in for nothing.",
                "No extra cost per parcel.",
                "An agent's morning every day, and the delays carry on.",
            ),
        ),
        "Approved: the extra postage costs less than the replacements we are sending.",
        "Not yet: ask the courier for a date first; the extra postage has no end date.",
        "LS and BD postcodes now go with the second courier (dispatch rule switched).",
        "No late parcel from those postcodes since the switch, and the courier confirms "
        "the depot is fully staffed again.",
    ),
    ProblemStory(
        "Charged twice for one order",
        "Cards charged twice when the payment page times out",
        "When the card page takes over 30 seconds, the checkout offers 'retry payment' "
        "without asking the provider whether the first payment went through.",
        "Matched this month's double charges to payment-page timeouts in the provider's log.",
        (
            Solution(
                "Send each payment with the order's own key, so the provider refuses a "
                "second charge for the same order.",
                48_000,
                "Never charged twice, even if they press retry.",
                "Nothing they would notice.",
                "No duplicate refunds to process, and fewer complaints.",
                "Two days of developer time.",
            ),
            Solution(
                "Hide the 'retry payment' button and ask customers to check their "
                "statement before trying again.",
                0,
                "No double charges.",
                "Stuck if the first payment really did fail.",
                "Free, and can be done today.",
                "Sales lost from customers who give up.",
            ),
        ),
        "Approved: two days' work is less than a month of duplicate refunds.",
        "Refused for now: the developers are on the price update until Friday; try the "
        "free option first.",
        "Payments now carry the order's key; the provider refuses a repeat charge.",
        "No double charge since the change went live; finance has checked the statements.",
    ),
    ProblemStory(
        "Kettle stopped working",
        "Kettles stop heating within weeks of purchase",
        "Most of the returns are one maker's kettles from the spring batches: the "
        "thermostat contacts burn out after a few weeks of use.",
        "Sent the maker the serial numbers of the returned kettles and asked for their "
        "failure analysis.",
        (
            Solution(
                "Write to everyone who bought from the affected batches and offer a free "
                "replacement kettle before theirs fails.",
                45_000,
                "A working kettle before the old one lets them down.",
                "A delivery and a collection to be in for.",
                "Fewer returns and complaints; the maker refunds us for the kettles.",
                "Postage, letters and the time to arrange the swaps.",
            ),
            Solution(
                "Carry on replacing each kettle when it fails, as now.",
                0,
                "A new kettle when theirs fails.",
                "It still fails, often when they need it.",
                "Nothing new to organise.",
                "The returns and the complaints carry on.",
            ),
        ),
        "Approved: the maker has agreed to refund us for every kettle we swap.",
        "Not until the maker agrees to pay for the kettles: ask them first.",
        "Letters sent to the batch's customers; swaps booked as they reply.",
        "Every customer from the batch has been written to, and the returns have stopped.",
    ),
    ProblemStory(
        "Can't print my returns label",
        "Returns labels cannot be printed from a phone",
        "The label is a PDF that most phone browsers open in a viewer with no print "
        "button, and many customers have no printer at home anyway.",
        "Checked the label page on four phones: only one could print it.",
        (
            Solution(
                "Offer a QR code the customer shows at any drop-off point instead of a "
                "printed label.",
                42_000,
                "No printer needed: they show their phone at the counter.",
                "They need their phone with them when they drop it off.",
                "Far fewer 'cannot print my label' contacts.",
                "The carrier charges £420 to switch the account over.",
            ),
            Solution(
                "Email the label as a picture as well as a PDF, so it opens on any phone.",
                6_000,
                "The label opens on their phone.",
                "They still need to print it somewhere.",
                "Cheap and quick to change the email.",
                "Customers without a printer still contact us.",
            ),
        ),
        "Approved: the drop-off points already take QR codes for other retailers.",
        "Refused: £420 is over this month's budget; start with the cheaper change.",
        "Returns emails now carry a QR code for the drop-off counter.",
        "The carrier has confirmed QR codes work at all their drop-off points.",
    ),
    ProblemStory(
        "Can't log in",
        "Password reset emails arrive too late to use",
        "Reset links expire after 30 minutes, and one large email provider is delaying "
        "our messages by up to two hours.",
        "Raised a ticket with our email sender about the delays.",
        (
            Solution(
                "Let reset links last two hours, and move our sending to the new address "
                "range the email sender offers.",
                0,
                "The link still works when it arrives.",
                "A longer-lived link to keep safe.",
                "Fewer locked-out customers calling the phone team.",
                "A small security trade-off to note in the risk log.",
            ),
            Solution(
                "Offer a code by text message as well as the email link.",
                30_000,
                "Back in within a minute.",
                "They must have given us a mobile number.",
                "Works whatever the email provider does.",
                "Text messages cost 4p each, and £300 to set up.",
            ),
        ),
        "Approved: note the longer links in the risk log.",
        "Refused: the security team must review link lifetimes first.",
        "Reset links now last two hours and mail goes from the new address range.",
        "Reset emails arrive within a minute again and no one has been locked out since.",
    ),
]
