"""The labelled messages the intent classifier learns from, generated deterministically.

Written for this project: per intent and language, sentence templates filled with order
numbers, products, cities and days, wrapped in greetings and sign-offs, with typos and mixed
English/Chinese. Every fourth template of each intent is held out: its messages form the
held-out set (``split: "test"``), never used for training, so the bench measures messages
phrased in ways the model has not seen.

Regenerate the shipped file (the same bytes every time) with::

    .venv/bin/python -m soloops.support.training_data
"""

import json
import random
from pathlib import Path

from soloops.support import intents as i

DATA_FILE = Path(__file__).parent / "data" / "intents.jsonl"
PER_TEMPLATE = 6  # messages made from each template
SEED = 13

EN = {
    i.ORDER_STATUS: [
        "Where is my order {order}?",
        "Hi, has my order shipped yet?",
        "I ordered a week ago and nothing has arrived. What is the status?",
        "Can you tell me when order {order} will arrive?",
        "Any update on my parcel?",
        "What's the tracking number for my order?",
        "My package hasn't arrived yet, where is it?",
        "Has {order} been sent out already?",
        "I haven't received my {product} yet",
        "Could you check the status of my order please",
        "when will my order be delivered",
        "Is my order on its way? The tracking page shows nothing",
        "Tracking for {order} please?",
        "Still waiting for my order, any news?",
        "Did you send my package? Order {order}",
        "Order status {order}?",
    ],
    i.SHIPPING: [
        "How much is shipping to {city}?",
        "Do you ship to {country}?",
        "How long does delivery to {city} take?",
        "What are your shipping costs?",
        "Is shipping free over a certain amount?",
        "Which carrier do you use for {country}?",
        "How many days does standard delivery take?",
        "Can I get express delivery to {city}?",
        "Do you deliver on weekends?",
        "What does it cost to send a {product} to {country}?",
        "If I order today, when would it arrive in {city}?",
        "Do you offer international shipping?",
        "What is the delivery cost to {country}?",
        "How fast can you deliver to {city}?",
        "Shipping price for two items?",
        "Do you have free delivery?",
    ],
    i.CHANGE_ADDRESS: [
        "I need to change the delivery address for {order}",
        "Please ship to my new address: {street}, {city}",
        "I moved, can you update the address on my order?",
        "Wrong address on order {order}, it should be {street}",
        "Can I change where my parcel goes?",
        "Please send order {order} to my office instead",
        "I made a typo in my postcode, can you fix it?",
        "Could you update the shipping address to {street} {city}?",
        "Deliver to my neighbour's address please, {street}",
        "The street name on my order is wrong",
        "Is it too late to change my address?",
        "Change shipping address for my last order please",
        "New address for order {order}: {street}",
        "Please correct my address to {street}, {city}",
        "Can you redirect the parcel to {city}?",
        "Update address please, I moved to {city}",
    ],
    i.CANCEL_ORDER: [
        "Please cancel my order {order}",
        "I want to cancel my order",
        "Can I still cancel {order}? I ordered by mistake",
        "Cancel the order please, I changed my mind",
        "I ordered the wrong {product}, please cancel it",
        "Stop my order {order}, I don't need it anymore",
        "How do I cancel an order I just placed?",
        "Please don't ship {order}, cancel it",
        "I placed the order twice, cancel one of them",
        "Cancel everything please",
        "I would like to cancel order {order} before it ships",
        "Can you cancel my purchase from yesterday?",
        "I no longer want order {order}, please cancel",
        "Cancel my order, I found it cheaper",
        "Please cancel it before you send it",
        "Order {order}: cancel please",
    ],
    i.RETURN_REFUND: [
        "I want to return the {product}",
        "How do I get a refund for {order}?",
        "The {product} doesn't fit, can I send it back?",
        "When will I get my money back?",
        "I returned the parcel last week, where is my refund?",
        "Can I exchange the {product} for another size?",
        "Please refund order {order}",
        "What is your return policy?",
        "I'd like my money back for the {product}",
        "Do I need to pay for return shipping?",
        "I sent the {product} back, please refund me",
        "How many days do I have to return it?",
        "I want a refund",
        "Return label for the {product} please",
        "Refund status for {order}?",
        "Can I send back the {product} and get my money?",
    ],
    i.PAYMENT_PROBLEM: [
        "My card was declined",
        "I was charged twice for order {order}",
        "The payment failed but money left my account",
        "I can't pay with my card",
        "I paid by bank transfer, did you receive it?",
        "Payment page shows an error",
        "Why was my card charged {amount}?",
        "The checkout won't accept my credit card",
        "I transferred {amount} yesterday, is order {order} paid?",
        "Double charge on my statement",
        "Can I pay by PayPal instead?",
        "My payment is stuck as pending",
        "Payment error when paying for {order}",
        "My bank says the payment was refused",
        "I was billed {amount} but the order says unpaid",
        "Card payment not working",
    ],
    i.INVOICE: [
        "Can you send me an invoice for {order}?",
        "I need a VAT invoice please",
        "Please email me the receipt for my order",
        "Could I get an invoice with my company name on it?",
        "Where can I download the invoice?",
        "I need a receipt for {order} for my accounting",
        "Please send a copy of the invoice",
        "Can the invoice show my VAT number?",
        "My company needs an invoice for this purchase",
        "Invoice for order {order} please",
        "Could you resend the receipt?",
        "I lost my invoice, can I get another one?",
        "Invoice please",
        "Send the invoice to my email please, order {order}",
        "I need a receipt with VAT",
        "Can you add my company address to the invoice?",
    ],
    i.PRODUCT_QUESTION: [
        "Is the {product} dishwasher safe?",
        "What size is the {product}?",
        "Will the {product} be back in stock?",
        "What material is the {product} made of?",
        "Does the {product} come in blue?",
        "How big is the {product} exactly?",
        "Is the {product} suitable as a gift?",
        "Do you have the {product} in a larger size?",
        "Can I put the {product} in the microwave?",
        "How heavy is the {product}?",
        "Is the {product} handmade?",
        "When do you restock the {product}?",
        "Which colours does the {product} come in?",
        "Is the {product} in stock?",
        "What are the dimensions of the {product}?",
        "How do I clean the {product}?",
    ],
    i.COMPLAINT: [
        "The {product} arrived broken, this is unacceptable",
        "Terrible service, very disappointed",
        "The parcel was damaged and the {product} is cracked",
        "I received the wrong item and nobody answers my emails",
        "This is the worst shop I have ever ordered from",
        "The quality of the {product} is really poor",
        "I am very unhappy with how long this is taking",
        "You sent me a used {product}!",
        "Nobody replied to me for days, really bad",
        "The {product} is not what the photos show, I feel cheated",
        "Your courier was rude and left the box in the rain",
        "Awful experience, I will leave a bad review",
        "Very disappointed with the {product}",
        "This is a scandal, my {product} is broken",
        "Bad quality and slow delivery",
        "I am angry, the {product} arrived damaged",
    ],
    i.THANKS: [
        "Thank you!",
        "Thanks, got it",
        "Great, thanks a lot",
        "Received the parcel, thank you",
        "Perfect, that's all I needed",
        "Thanks for the quick answer",
        "Ok thanks, have a nice day",
        "Much appreciated!",
        "All good now, thank you",
        "The {product} is lovely, thanks",
        "Cheers, problem solved",
        "Thank you so much for your help",
        "Thanks again!",
        "Wonderful, thank you",
        "Got the {product}, thanks!",
        "ok, thank you very much",
    ],
    i.OTHER: [
        "Do you have a physical shop I can visit?",
        "Are you hiring?",
        "Can we collaborate on Instagram?",
        "Do you sell gift cards?",
        "I'd like to offer my products to your shop",
        "What are your opening hours?",
        "Can I unsubscribe from the newsletter?",
        "Do you do wholesale?",
        "Who designs your products?",
        "Is there a discount code for students?",
        "Hello, I have a business proposal",
        "Can I pick up orders in person?",
        "Do you have a catalogue?",
        "Can I write a blog post about your shop?",
        "Where is your company based?",
        "Do you sponsor events?",
    ],
}

ZH = {
    i.ORDER_STATUS: [
        "我的订单{order}到哪里了？",
        "请问我的订单发货了吗",
        "我一周前下的单，还没收到，现在什么状态？",
        "订单{order}什么时候能到？",
        "包裹有更新吗",
        "我的订单物流单号是多少？",
        "快递还没到，请帮我查一下",
        "{order}已经寄出了吗",
        "我的{product}还没收到",
        "麻烦查一下订单状态",
        "我的订单什么时候送到",
        "物流一直没有更新，订单还在路上吗",
        "{order}物流查询",
        "订单还没到，有消息吗",
        "我的包裹寄出了吗？订单{order}",
        "订单{order}现在什么状态",
    ],
    i.SHIPPING: [
        "寄到{city}运费多少？",
        "你们发货到{country}吗",
        "送到{city}要多久？",
        "运费怎么算",
        "满多少包邮",
        "寄{country}用哪家快递",
        "普通快递几天能到",
        "可以发顺丰到{city}吗",
        "周末送货吗",
        "寄一个{product}到{country}要多少钱",
        "今天下单什么时候能到{city}",
        "可以国际运输吗",
        "寄{country}运费是多少",
        "到{city}最快几天",
        "买两件运费多少",
        "有免运费吗",
    ],
    i.CHANGE_ADDRESS: [
        "订单{order}的收货地址要改一下",
        "请寄到我的新地址：{city}{street_zh}",
        "我搬家了，能改订单地址吗",
        "订单{order}地址填错了，应该是{street_zh}",
        "包裹可以改寄到别的地方吗",
        "订单{order}请改寄到我公司",
        "邮编写错了，能帮我改吗",
        "麻烦把收货地址改成{city}{street_zh}",
        "请寄到邻居家，{street_zh}",
        "订单上的街道名写错了",
        "现在改地址还来得及吗",
        "请修改我最近订单的收货地址",
        "订单{order}新地址：{street_zh}",
        "地址改成{city}{street_zh}",
        "包裹能转寄到{city}吗",
        "我搬到{city}了，请更新地址",
    ],
    i.CANCEL_ORDER: [
        "请取消我的订单{order}",
        "我想取消订单",
        "订单{order}还能取消吗？下错了",
        "不想要了，请取消订单",
        "{product}买错了，请取消",
        "订单{order}不要发了",
        "刚下的单怎么取消",
        "请不要发{order}，帮我取消",
        "重复下单了，请取消一个",
        "全部取消吧",
        "发货前请取消订单{order}",
        "昨天买的能取消吗",
        "订单{order}不要了，请取消",
        "找到更便宜的了，取消订单",
        "发货前帮我取消",
        "订单{order}：取消",
    ],
    i.RETURN_REFUND: [
        "我想退{product}",
        "订单{order}怎么退款",
        "{product}尺寸不合适，可以退货吗",
        "钱什么时候退给我",
        "上周已经寄回了，退款呢",
        "{product}可以换个尺寸吗",
        "请给订单{order}退款",
        "你们的退货政策是什么",
        "{product}我要退款",
        "退货运费谁出",
        "{product}已经寄回，请退款",
        "收到后几天内可以退货",
        "我要退款",
        "{product}请给我退货单",
        "订单{order}退款进度",
        "{product}寄回可以退钱吗",
    ],
    i.PAYMENT_PROBLEM: [
        "我的卡被拒了",
        "订单{order}被扣了两次钱",
        "支付失败了但是钱被扣了",
        "用卡付不了款",
        "我银行转账了，收到了吗",
        "付款页面报错",
        "为什么扣了我{amount}",
        "结账时信用卡一直不通过",
        "昨天转了{amount}，订单{order}付款成功了吗",
        "账单上重复扣款",
        "可以用支付宝付款吗",
        "付款一直显示处理中",
        "订单{order}付款出错",
        "银行说付款被拒",
        "扣了{amount}但订单显示未付款",
        "刷卡付款不行",
    ],
    i.INVOICE: [
        "可以给我开订单{order}的发票吗",
        "我需要增值税发票",
        "请把订单收据发到我邮箱",
        "发票抬头能写公司名吗",
        "在哪里下载发票",
        "订单{order}需要报销用的收据",
        "请发一份发票副本",
        "发票上能加税号吗",
        "公司需要这次购买的发票",
        "订单{order}的发票麻烦开一下",
        "收据能再发一次吗",
        "发票丢了能补开吗",
        "开发票",
        "订单{order}的发票请发到邮箱",
        "需要带税的收据",
        "发票上加公司地址可以吗",
    ],
    i.PRODUCT_QUESTION: [
        "{product}可以用洗碗机洗吗",
        "{product}是多大尺寸",
        "{product}还会补货吗",
        "{product}是什么材质",
        "{product}有蓝色的吗",
        "{product}具体多大",
        "{product}适合送礼吗",
        "{product}有大号吗",
        "{product}能放微波炉吗",
        "{product}有多重",
        "{product}是手工做的吗",
        "{product}什么时候到货",
        "{product}有哪些颜色",
        "{product}有货吗",
        "{product}尺寸是多少",
        "{product}怎么清洗",
    ],
    i.COMPLAINT: [
        "{product}到的时候是碎的，太过分了",
        "服务太差了，非常失望",
        "包裹破了，{product}也裂了",
        "发错货了，发邮件也没人回",
        "这是我买过最差的店",
        "{product}质量太差",
        "等了这么久，非常不满意",
        "你们给我发了个用过的{product}！",
        "好几天没人回复，太差劲了",
        "{product}和图片完全不一样，感觉被骗了",
        "快递员态度很差，箱子扔在雨里",
        "体验很糟糕，我要给差评",
        "{product}让我很失望",
        "太离谱了，{product}是坏的",
        "质量差发货还慢",
        "很生气，{product}到货就坏了",
    ],
    i.THANKS: [
        "谢谢！",
        "收到了，谢谢",
        "太好了，非常感谢",
        "包裹收到了，谢谢",
        "好的，就这些",
        "谢谢你们回复这么快",
        "好的谢谢，祝好",
        "非常感谢！",
        "没问题了，谢谢",
        "{product}很漂亮，谢谢",
        "问题解决了，感谢",
        "谢谢你的帮助",
        "再次感谢！",
        "太棒了，谢谢",
        "{product}收到了，谢谢！",
        "好的，非常感谢",
    ],
    i.OTHER: [
        "你们有实体店吗",
        "你们招人吗",
        "可以在小红书上合作吗",
        "你们卖礼品卡吗",
        "我想给你们供货",
        "你们营业时间是几点",
        "怎么退订邮件",
        "可以批发吗",
        "你们的产品是谁设计的",
        "学生有优惠码吗",
        "你好，我有个合作提议",
        "可以到店自提吗",
        "有产品目录吗",
        "可以写篇文章介绍你们店吗",
        "你们公司在哪里",
        "你们赞助活动吗",
    ],
}

PRODUCTS_EN = ["blue mug", "harbour poster", "teapot", "linen towel", "notebook", "vase"]
PRODUCTS_ZH = ["蓝色马克杯", "海港海报", "茶壶", "亚麻毛巾", "笔记本", "花瓶"]
CITIES_EN = ["London", "Berlin", "Lyon", "Madrid", "Oslo", "Shanghai"]
CITIES_ZH = ["上海", "北京", "杭州", "深圳", "成都", "广州"]
COUNTRIES = ["Norway", "Germany", "the US", "Canada", "Japan", "Ireland"]
COUNTRIES_ZH = ["挪威", "德国", "美国", "加拿大", "日本", "新加坡"]
STREETS = ["12 Harbour Road", "3 Mill Lane", "48 Station St", "7 Rue Neuve"]
STREETS_ZH = ["长安街1号", "南京路88号", "文三路12号", "人民路5号"]
OPEN_EN = ["", "", "Hi, ", "Hello, ", "Dear shop, ", "hey ", "Good morning. "]
CLOSE_EN = ["", "", " Thanks", " Best, Ada", " Regards", " thx", " Kind regards, Tom"]
OPEN_ZH = ["", "", "你好，", "您好，", "老板，", "hi，", "Hello，"]
CLOSE_ZH = ["", "", "谢谢", "，麻烦了", "。谢谢！", " thx", "，急"]
# Mixed language: English words a Chinese customer types, and the reverse.
MIX_ZH = {"订单": "order", "快递": "快递(tracking)", "退款": "refund", "发票": "invoice"}


def _order(rng: random.Random) -> str:
    code = "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))
    return f"SO-2026-{code}"


def _typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard: a letter dropped, doubled or two swapped (Latin text only)."""
    spots = [k for k, ch in enumerate(text) if ch.isascii() and ch.isalpha()]
    if len(spots) < 4:
        return text
    k = rng.choice(spots[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        return text[:k] + text[k + 1 :]
    if kind == 1:
        return text[:k] + text[k] + text[k:]
    return text[: k - 1] + text[k] + text[k - 1] + text[k + 1 :]


def _fill(template: str, rng: random.Random, zh: bool) -> str:
    return template.format(
        order=_order(rng) if rng.random() < 0.8 else "",
        product=rng.choice(PRODUCTS_ZH if zh else PRODUCTS_EN),
        city=rng.choice(CITIES_ZH if zh else CITIES_EN),
        country=rng.choice(COUNTRIES_ZH if zh else COUNTRIES),
        street=rng.choice(STREETS),
        street_zh=rng.choice(STREETS_ZH),
        amount=f"€{rng.randrange(5, 300)}.{rng.randrange(100):02d}",
    ).replace("  ", " ")


def _message(template: str, rng: random.Random, zh: bool) -> str:
    body = _fill(template, rng, zh)
    if zh:
        if rng.random() < 0.25:
            for word, mixed in MIX_ZH.items():
                body = body.replace(word, mixed)
        return (rng.choice(OPEN_ZH) + body + rng.choice(CLOSE_ZH)).strip()
    if rng.random() < 0.35:
        body = _typo(body, rng)
    if rng.random() < 0.2:
        body = body.lower()
    if rng.random() < 0.1:
        body = "你好, " + body  # a Chinese greeting on an English message
    return (rng.choice(OPEN_EN) + body + rng.choice(CLOSE_EN)).strip()


def generate() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for language, table in (("en", EN), ("zh", ZH)):
        for intent, templates in table.items():
            for index, template in enumerate(templates):
                split = "test" if index % 4 == 3 else "train"
                for _ in range(PER_TEMPLATE):
                    text = _message(template, rng, language == "zh")
                    rows.append({"text": text, "intent": intent, "language": language,
                                 "split": split})  # fmt: skip
    return rows


def load(split: str | None = None) -> list[dict]:
    with DATA_FILE.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def main() -> None:
    rows = generate()
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    with DATA_FILE.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[row["language"], row["split"]] = counts.get((row["language"], row["split"]), 0) + 1
    print(f"{len(rows)} messages written to {DATA_FILE}: {counts}")


if __name__ == "__main__":
    main()
