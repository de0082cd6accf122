from aybiza.api.routers import router

from .views import PhoneNumberReservationViewSet, PhoneNumberViewSet, PortingRequestViewSet, SipTrunkViewSet

router.register("phone-numbers", PhoneNumberViewSet, basename="phone-number")
router.register("phone-number-reservations", PhoneNumberReservationViewSet, basename="phone-number-reservation")
router.register("porting-requests", PortingRequestViewSet, basename="porting-request")
router.register("sip-trunks", SipTrunkViewSet, basename="sip-trunk")
