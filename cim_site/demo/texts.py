"""What the demo's past customers wrote, what agents answered and what surveys said: Vietnamese
first, some English. Written for this project."""

ASKS = {
    "vi": {
        "orders": (
            "Chào shop, đơn {order} của mình đặt 4 ngày rồi vẫn chưa thấy giao, kiểm tra giúp nhé.",
            "Mình muốn đổi địa chỉ nhận hàng cho đơn {order} sang cơ quan, được không ạ?",
            "Đơn {order} báo đã giao nhưng mình chưa nhận được gì cả.",
        ),
        "billing": (
            "Mình chuyển khoản cho đơn {order} rồi mà hệ thống vẫn báo chưa thanh toán.",
            "Thẻ của tôi bị trừ tiền nhưng đơn {order} không được tạo. Nhờ kiểm tra gấp.",
            "Cho mình xin hóa đơn VAT cho đơn {order}, thông tin công ty mình gửi kèm.",
        ),
        "warranty": (
            "Máy lọc không khí trong đơn {order} kêu to bất thường, mình muốn bảo hành.",
            "Nồi cơm điện mua ở đơn {order} không lên nguồn, còn bảo hành không shop?",
            "Mình gửi bảo hành quạt điều hòa (đơn {order}) hai tuần rồi, bao giờ có ạ?",
        ),
        "complaint": (
            "Tôi rất không hài lòng: đơn {order} giao trễ một tuần mà không ai báo.",
            "Shipper giao đơn {order} thái độ rất tệ, ném hàng trước cổng.",
            "Hàng trong đơn {order} bị móp hộp, bên trong trầy xước. Tôi muốn đổi.",
        ),
        "information": (
            "Shop còn hàng máy hút bụi cầm tay không? Mình muốn mua 2 cái (tham khảo đơn {order}).",
            "Cửa hàng gần Quận 7 nhất ở đâu vậy shop?",
            "Bên mình có chính sách giá cho doanh nghiệp mua số lượng lớn không?",
        ),
    },
    "en": {
        "orders": (
            "Hi, my order {order} is four days old and still not delivered. Could you check?",
            "Can I change the delivery address of order {order} to my office?",
        ),
        "billing": (
            "I paid order {order} by bank transfer but it still shows as unpaid.",
            "My card was charged but order {order} was not created. Please check urgently.",
        ),
        "warranty": ("The air purifier from order {order} is very noisy; I'd like a repair.",),
        "complaint": ("Order {order} arrived a week late and nobody told me. Not happy.",),
        "information": ("Do you have the cordless vacuum in stock? I would like two.",),
    },
}
ANSWERS = {
    "vi": (
        "Dạ em đã kiểm tra, {order} đang được xử lý. Em cập nhật cho anh/chị trong hôm nay ạ.",
        "Em cảm ơn anh/chị đã báo. Bên em đã xử lý xong yêu cầu cho đơn {order} rồi ạ.",
        "Dạ em xin lỗi vì sự bất tiện. Em đã chuyển bộ phận liên quan, có kết quả em báo ngay ạ.",
    ),
    "en": (
        "Thanks for writing. I have checked {order} and will update you today.",
        "Sorry for the trouble: your request about {order} is sorted now.",
    ),
}
FOLLOW_UPS = {
    "vi": ("Vẫn chưa được shop ơi, mình kiểm tra lại thì vẫn như cũ.", "Cảm ơn shop nhé!"),
    "en": ("It's still not working, I'm afraid.", "Thanks a lot!"),
}
COMMENTS = {
    "vi": {
        "good": (
            "Nhân viên hỗ trợ nhiệt tình, xử lý nhanh. Cảm ơn shop!",
            "Rất hài lòng, trả lời rõ ràng và lịch sự.",
            "Giải quyết trong ngày, tuyệt vời.",
            "",
        ),
        "middling": ("Được hỗ trợ nhưng phải chờ hơi lâu.", "Tạm ổn.", ""),
        "bad": (
            "Chờ quá lâu mới có người trả lời, rất thất vọng.",
            "Phải nhắn nhiều lần mới được giải quyết, không hài lòng.",
        ),
    },
    "en": {
        "good": ("Quick and friendly help, thank you!", ""),
        "middling": ("OK, but it took a while.", ""),
        "bad": ("Far too slow, I had to chase several times.",),
    },
}
